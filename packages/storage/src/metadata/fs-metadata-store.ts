import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MetadataStore, RecordWriteOptions } from '@strata/core';
import { StrataError } from '@strata/core/errors';
import { ensureDirectory, fsyncDirectory, isErrno, removeIfPresent, writeFileAtomically } from '../fs/durable-file.js';
import { checkNamespace, decodeRecordKey, encodeRecordKey } from './record-key.js';

const SUFFIX = '.json';
/** Bytes records sit beside the JSON ones under their own suffix, so `list` never reads them. */
const BYTES_SUFFIX = '.bin';
/** Records read at once by list(), to stay far from the open-files limit. */
const LIST_PARALLELISM = 64;

export interface FsMetadataStoreOptions {
  /** Where records are staged before their rename; same filesystem as `root` (default `<root>/.tmp`). */
  tempDir?: string;
}

/**
 * MetadataStore as one JSON file per record, `<root>/<namespace>/<encoded key>.json`, each
 * written to a temp file, fsynced and renamed, so a crash leaves the old or the new record.
 */
export class FsMetadataStore implements MetadataStore {
  readonly root: string;
  readonly tempDir: string;

  constructor(root: string, options: FsMetadataStoreOptions = {}) {
    this.root = root;
    this.tempDir = options.tempDir ?? join(root, '.tmp');
  }

  /** The file that holds a record, whether or not it exists. */
  pathOf(namespace: string, key: string): string {
    checkNamespace(namespace);
    return join(this.root, namespace, encodeRecordKey(key) + SUFFIX);
  }

  /** The file that holds a bytes record, whether or not it exists (a reader may hand it on as it is). */
  bytesPathOf(namespace: string, key: string): string {
    checkNamespace(namespace);
    return join(this.root, namespace, encodeRecordKey(key) + BYTES_SUFFIX);
  }

  async get<T>(namespace: string, key: string): Promise<T | undefined> {
    const path = this.pathOf(namespace, key);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      if (isErrno(e, 'ENOENT')) return undefined;
      throw e;
    }
    return parseRecord<T>(path, text);
  }

  async put<T>(namespace: string, key: string, value: T, options: RecordWriteOptions = {}): Promise<void> {
    const path = this.pathOf(namespace, key);
    const text = JSON.stringify(value);
    if (text === undefined) throw new StrataError('invalid', `metadata record ${namespace}/${key} is not JSON-serialisable`);
    await ensureDirectory(this.tempDir);
    await ensureDirectory(join(this.root, namespace));
    await writeFileAtomically(this.tempDir, path, new TextEncoder().encode(text), { syncDirectory: options.syncDirectory, syncFile: options.syncFile });
  }

  /** Deleting an absent record is not an error. */
  async delete(namespace: string, key: string, options: RecordWriteOptions = {}): Promise<void> {
    const path = this.pathOf(namespace, key);
    await removeIfPresent(path);
    if (options.syncDirectory === false || options.syncFile === false) return;
    await fsyncDirectory(join(this.root, namespace)).catch((e) => {
      if (!isErrno(e, 'ENOENT')) throw e;
    });
  }

  async getBytes(namespace: string, key: string): Promise<Uint8Array | undefined> {
    const path = this.bytesPathOf(namespace, key);
    try {
      const b = await readFile(path);
      // A plain Uint8Array over the same memory: core knows no Buffer.
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    } catch (e) {
      if (isErrno(e, 'ENOENT')) return undefined;
      throw e;
    }
  }

  async putBytes(namespace: string, key: string, parts: readonly Uint8Array[]): Promise<void> {
    const path = this.bytesPathOf(namespace, key);
    await ensureDirectory(this.tempDir);
    await ensureDirectory(join(this.root, namespace));
    await writeFileAtomically(this.tempDir, path, parts);
  }

  async deleteBytes(namespace: string, key: string): Promise<void> {
    await removeIfPresent(this.bytesPathOf(namespace, key));
  }

  async list<T>(namespace: string): Promise<Array<[string, T]>> {
    checkNamespace(namespace);
    const dir = join(this.root, namespace);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (e) {
      if (isErrno(e, 'ENOENT')) return [];
      throw e;
    }
    const entries: Array<{ key: string; path: string }> = [];
    for (const name of names) {
      if (!name.endsWith(SUFFIX)) continue;
      const key = decodeRecordKey(name.slice(0, -SUFFIX.length));
      if (key !== undefined) entries.push({ key, path: join(dir, name) });
    }
    const out: Array<[string, T]> = [];
    for (let i = 0; i < entries.length; i += LIST_PARALLELISM) {
      const batch = await Promise.all(
        entries.slice(i, i + LIST_PARALLELISM).map(async ({ key, path }) => {
          try {
            return [key, parseRecord<T>(path, await readFile(path, 'utf8'))] as [string, T];
          } catch (e) {
            // Deleted between readdir and read: it is simply no longer part of the namespace.
            if (isErrno(e, 'ENOENT')) return undefined;
            throw e;
          }
        }),
      );
      for (const entry of batch) if (entry) out.push(entry);
    }
    return out;
  }
}

function parseRecord<T>(path: string, text: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new StrataError('internal', `corrupt metadata record ${path}: ${(e as Error).message}`, { cause: e });
  }
}
