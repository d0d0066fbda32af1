import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import {
  StrataError,
  chainIds,
  decompressedStream,
  digestHex,
  type Codecs,
  type ContentStore,
  type Digest,
  type Hasher,
  type SnapshotDraft,
} from '@strata/core';
import { overlayFormTar } from './overlay-tar.js';
import { startSnapshotDraft } from './snapshot-draft.js';

/** A layer of an image as the runtime receives it: what it is (diffID) and which blob holds it. */
export interface SnapshotLayer {
  diffId: Digest;
  blob: Digest;
}

export interface SnapshotStoreOptions {
  /** `<dataRoot>/snapshots`. */
  dir: string;
  content: ContentStore;
  codecs: Codecs;
  hasher: Hasher;
  /** GNU tar (`tar`). */
  tar?: string;
}

const PARTIAL_PREFIX = '.partial-';
const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Layers unpacked for overlayfs, one directory per chainID (`<dir>/<chainID hex>`), shared by every
 * container of every image with that layer stack. Each holds only its own layer's diff (whiteouts
 * as char devices, opaque dirs as xattrs); overlayfs stacks them. A snapshot is unpacked into a
 * `.partial-*` directory and renamed when complete, so a crash never leaves half of one under its
 * final name, and it can always be made again from the content store.
 */
export class SnapshotStore {
  private readonly inFlight = new Map<string, Promise<string>>();
  /** Partial dirs of drafts being written (see draft). */
  private readonly drafts = new Set<string>();
  private readonly tar: string;

  constructor(private readonly options: SnapshotStoreOptions) {
    this.tar = options.tar ?? 'tar';
  }

  get dir(): string {
    return this.options.dir;
  }

  /** Directory names (chainID hex) of a layer stack, bottom first. */
  names(layers: readonly SnapshotLayer[]): string[] {
    return chainIds(
      layers.map((l) => l.diffId),
      this.options.hasher,
    ).map((id) => digestHex(id));
  }

  /** Make sure every layer of the stack is unpacked; returns the directory names, bottom first. */
  async ensure(layers: readonly SnapshotLayer[]): Promise<string[]> {
    const names = this.names(layers);
    await mkdir(this.options.dir, { recursive: true });
    // Layers are independent diffs, so they unpack side by side.
    await Promise.all(names.map((name, i) => this.ensureOne(name, layers[i])));
    return names;
  }

  /** A snapshot unpacked from a layer tar the engine is writing, named when committed (see SnapshotDraft). */
  draft(): Promise<SnapshotDraft> {
    return startSnapshotDraft({
      dir: this.options.dir,
      hasher: this.options.hasher,
      tar: this.tar,
      partialPrefix: PARTIAL_PREFIX,
      inUse: (name, busy) => void (busy ? this.drafts.add(name) : this.drafts.delete(name)),
    });
  }

  /** Remove every snapshot whose chainID is not in `keep` (and leftovers of interrupted unpacks). */
  async removeUnused(keep: Iterable<Digest | string>): Promise<string[]> {
    const kept = new Set([...keep].map((k) => (k.includes(':') ? digestHex(k as Digest) : k)));
    let entries: string[];
    try {
      entries = await readdir(this.options.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const busy = new Set([...this.inFlight.keys()]);
    const removed: string[] = [];
    for (const name of entries) {
      if (this.drafts.has(name)) continue;
      const partialOf = name.startsWith(PARTIAL_PREFIX) ? name.slice(PARTIAL_PREFIX.length, PARTIAL_PREFIX.length + 64) : undefined;
      if (partialOf !== undefined ? busy.has(partialOf) : !HEX64.test(name) || kept.has(name) || busy.has(name)) continue;
      await rm(join(this.options.dir, name), { recursive: true, force: true });
      removed.push(name);
    }
    return removed;
  }

  private ensureOne(name: string, layer: SnapshotLayer): Promise<string> {
    const pending = this.inFlight.get(name);
    if (pending) return pending;
    const work = this.unpackIfMissing(name, layer).finally(() => this.inFlight.delete(name));
    this.inFlight.set(name, work);
    return work;
  }

  private async unpackIfMissing(name: string, layer: SnapshotLayer): Promise<string> {
    const final = join(this.options.dir, name);
    if (await isDirectory(final)) return final;
    const partial = join(this.options.dir, `${PARTIAL_PREFIX}${name}-${randomBytes(4).toString('hex')}`);
    await mkdir(partial, { mode: 0o755 });
    try {
      await this.unpack(layer, partial);
      try {
        await rename(partial, final);
      } catch (e) {
        // Another process unpacked the same layer meanwhile: theirs is as good as ours.
        const code = (e as NodeJS.ErrnoException).code;
        if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || !(await isDirectory(final))) throw e;
        await rm(partial, { recursive: true, force: true });
      }
      return final;
    } catch (e) {
      await rm(partial, { recursive: true, force: true });
      throw e;
    }
  }

  private async unpack(layer: SnapshotLayer, target: string): Promise<void> {
    const blob = await this.options.content.read(layer.blob);
    const { stream } = await decompressedStream(blob, this.options.codecs);
    const args = ['-x', '-C', target, '--xattrs', '--xattrs-include=*', '--same-owner', '-p', '--numeric-owner', '-f', '-'];
    const child = spawn(this.tar, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    const stderr: Buffer[] = [];
    child.stderr!.on('data', (b: Buffer) => stderr.push(b));
    const exited = new Promise<number>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => resolve(code ?? 1));
    });
    const stdin = child.stdin!;
    let feedError: unknown;
    stdin.on('error', (e) => (feedError ??= e));
    try {
      for await (const chunk of overlayFormTar(stream)) {
        if (!stdin.write(chunk)) await Promise.race([once(stdin, 'drain'), exited]);
        if (stdin.destroyed) break;
      }
    } catch (e) {
      child.kill('SIGKILL');
      await exited.catch(() => undefined);
      throw e;
    } finally {
      stdin.end();
    }
    const code = await exited;
    if (code !== 0 || feedError) {
      const why = Buffer.concat(stderr).toString('utf8').trim() || String(feedError ?? `tar exited ${code}`);
      throw new StrataError('internal', `unpacking layer ${layer.diffId} failed: ${why}`);
    }
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}
