import { copyFile, mkdir, open, readdir, readFile, rename, stat, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  StrataError,
  notFound,
  parseDigest,
  type BlobExpectation,
  type ContentStore,
  type Digest,
  type Hasher,
  type OciIndex,
} from '@strata/core';
import { nodeHasher } from '../node/node-hasher.js';
import { ensureDirectory, fsyncDirectory, isErrno, removeIfPresent, tempPathIn, writeFileAtomically } from '../fs/durable-file.js';
import { algorithmFor, checkExpectation, checkSizeSoFar, sourceVerifies, verifyBlob, verifySize } from './blob-expectation.js';
import { fileReadableStream } from './file-readable-stream.js';
import { sharedHashThread, type HashThread, type ThreadHash } from './hash-thread.js';
import { WriteBufferPool, type WriteBuffer } from './write-buffers.js';
import { streamedBytes } from './young-garbage.js';

/**
 * Bytes gathered before one write(2) and one hash update. 1 MiB keeps a blob write's staging at
 * 3 MiB (a 1 GB pull's peak RSS was 9 MB lower than with 4 MiB) for ~1,000 writes per GB.
 */
const WRITE_BUFFER = 1 << 20;

/** Staging buffers per blob write, so one fills while the others are written and hashed. */
const STAGING_BUFFERS = 3;

/** Staging buffers shared by every store of the process (a few blob writes run at once). */
const writeBuffers = new WriteBufferPool(WRITE_BUFFER, 3 * STAGING_BUFFERS);

/** After this many bytes, writeback of a blob being written starts in the background. */
const EARLY_WRITEBACK = 16 << 20;

const OCI_LAYOUT = '{"imageLayoutVersion":"1.0.0"}';
const EMPTY_INDEX: OciIndex = { schemaVersion: 2, manifests: [] };
const HEX_BY_ALGORITHM: Record<string, RegExp> = { sha256: /^[a-f0-9]{64}$/, sha512: /^[a-f0-9]{128}$/ };

export interface FsContentStoreOptions {
  /** Where writes are staged; must be on the same filesystem as `root` (default `<root>/ingest`). */
  tempDir?: string;
  hasher?: Hasher;
  /** Hash blobs again when they are read and fail on a mismatch (default true). */
  verifyOnRead?: boolean;
  /**
   * Where written blobs are hashed: a {@link HashThread}, or `false` for the main thread. The
   * default is the process's shared hash thread when `hasher` is node:crypto's (a thread computes
   * the same digests), else the main thread with `hasher`.
   */
  hashThread?: HashThread | false;
}

/**
 * ContentStore on an OCI image layout directory (`oci-layout`, `index.json`,
 * `blobs/<alg>/<hex>`) that skopeo, umoci and crane can read. Every write is staged in a
 * temp file, hashed while it streams, verified, fsynced and only then renamed to its digest.
 */
export class FsContentStore implements ContentStore {
  readonly root: string;
  readonly tempDir: string;
  private readonly hasher: Hasher;
  private readonly verifyOnRead: boolean;
  private readonly hashThread: HashThread | undefined;
  private layout: Promise<void> | undefined;

  constructor(root: string, options: FsContentStoreOptions = {}) {
    this.root = root;
    this.tempDir = options.tempDir ?? join(root, 'ingest');
    this.hasher = options.hasher ?? nodeHasher;
    this.verifyOnRead = options.verifyOnRead ?? true;
    const thread = options.hashThread ?? (this.hasher === nodeHasher ? sharedHashThread : false);
    this.hashThread = thread === false ? undefined : thread;
  }

  /** Create the layout (`oci-layout`, empty `index.json`, `blobs/sha256`) unless it exists. */
  init(): Promise<void> {
    this.layout ??= this.createLayout().catch((e) => {
      this.layout = undefined;
      throw e;
    });
    return this.layout;
  }

  private async createLayout(): Promise<void> {
    await ensureDirectory(this.root);
    await ensureDirectory(join(this.root, 'blobs', 'sha256'));
    await ensureDirectory(this.tempDir);
    if (!(await exists(join(this.root, 'oci-layout')))) {
      await writeFileAtomically(this.tempDir, join(this.root, 'oci-layout'), new TextEncoder().encode(OCI_LAYOUT));
    }
    if (!(await exists(join(this.root, 'index.json')))) {
      await writeFileAtomically(this.tempDir, join(this.root, 'index.json'), encodeJson(EMPTY_INDEX));
    }
  }

  /** The file that holds a blob (`<root>/blobs/<alg>/<hex>`), whether or not it exists. */
  pathOf(digest: Digest): string {
    const d = parseDigest(digest);
    const colon = d.indexOf(':');
    return join(this.root, 'blobs', d.slice(0, colon), d.slice(colon + 1));
  }

  /** A fresh path in the store's temp directory, for a file later handed to `importFile`. */
  newTempPath(hint = 'import'): string {
    return tempPathIn(this.tempDir, hint);
  }

  async has(digest: Digest): Promise<boolean> {
    return (await this.size(digest)) !== undefined;
  }

  async size(digest: Digest): Promise<number | undefined> {
    try {
      return (await stat(this.pathOf(digest))).size;
    } catch (e) {
      if (isErrno(e, 'ENOENT')) return undefined;
      throw e;
    }
  }

  async read(digest: Digest): Promise<ReadableStream<Uint8Array>> {
    const path = this.pathOf(digest);
    let fh;
    try {
      fh = await open(path, 'r');
    } catch (e) {
      throw isErrno(e, 'ENOENT') ? blobNotFound(digest) : e;
    }
    try {
      const { size } = await fh.stat();
      return fileReadableStream(fh, size, this.verifyOnRead ? { hasher: this.hasher, digest, thread: this.hashThread } : undefined);
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  async readBytes(digest: Digest): Promise<Uint8Array> {
    let buf: Buffer;
    try {
      buf = await readFile(this.pathOf(digest));
    } catch (e) {
      throw isErrno(e, 'ENOENT') ? blobNotFound(digest) : e;
    }
    const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    if (this.verifyOnRead) verifyBlob({ digest }, this.digestOf(bytes, algorithmFor({ digest })));
    return bytes;
  }

  /**
   * Store a blob. The bytes go to a temp file (hashed as they stream, never buffered whole),
   * are verified against `expected`, fsynced, and renamed to their digest. A mismatch removes
   * the temp file and throws `invalid`. When `expected.digest` is already stored, the source
   * is still read and verified but nothing is written.
   */
  async write(
    source: ReadableStream<Uint8Array> | Uint8Array,
    expected?: BlobExpectation,
  ): Promise<{ digest: Digest; size: number }> {
    checkExpectation(expected);
    await this.init();
    const algorithm = algorithmFor(expected);
    if (source instanceof Uint8Array) {
      const actual = this.digestOf(source, algorithm);
      verifyBlob(expected, actual);
      if (await this.has(actual.digest)) return actual;
      return this.commitBytes(source, actual);
    }
    // The thread (~12 MB resident) starts with the first blob that needs it, not with the store:
    // a daemon that only pulls never starts it. It boots while the first buffer fills.
    if (!sourceVerifies(expected)) this.hashThread?.start();
    if (expected?.digest !== undefined && (await this.has(expected.digest))) {
      const actual = await this.consume(source, algorithm, expected, undefined);
      verifyBlob(expected, actual);
      return actual;
    }
    const temp = tempPathIn(this.tempDir, 'blob');
    try {
      const fh = await open(temp, 'wx', 0o644);
      let actual;
      try {
        actual = await this.consume(source, algorithm, expected, fh);
        verifyBlob(expected, actual);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await this.commitFile(temp, actual.digest);
      return actual;
    } catch (e) {
      await removeIfPresent(temp);
      throw e;
    }
  }

  /**
   * Fast path for a blob that already sits in a file (e.g. written by the engine to
   * `newTempPath()`): the store takes the file over. It is moved into the temp directory,
   * hashed, verified, fsynced and renamed to its digest, so no byte is copied when it is on
   * the same filesystem (it is copied once otherwise). Afterwards `path` no longer exists,
   * whatever the outcome: a mismatch deletes it and throws `invalid`.
   */
  async importFile(path: string, expected?: BlobExpectation): Promise<{ digest: Digest; size: number }> {
    checkExpectation(expected);
    await this.init();
    const temp = tempPathIn(this.tempDir, 'import');
    try {
      try {
        await rename(path, temp);
      } catch (e) {
        if (!isErrno(e, 'EXDEV')) throw isErrno(e, 'ENOENT') ? notFound(`no such file: ${path}`) : e;
        await copyFile(path, temp);
        await unlink(path);
      }
      const fh = await open(temp, 'r+');
      let size: number;
      try {
        // The writer may not have fsynced; after this the bytes hashed below are durable.
        await fh.sync();
        size = (await fh.stat()).size;
        verifySize(expected, size);
      } catch (e) {
        await fh.close();
        throw e;
      }
      // The stream owns the handle from here and closes it at its end.
      const actual = await this.consume(fileReadableStream(fh, size), algorithmFor(expected), expected, undefined);
      verifyBlob(expected, actual);
      await this.commitFile(temp, actual.digest);
      return actual;
    } catch (e) {
      await removeIfPresent(temp);
      throw e;
    }
  }

  /** Removing an absent blob is not an error, so garbage collection may race safely. */
  async delete(digest: Digest): Promise<void> {
    await removeIfPresent(this.pathOf(digest));
  }

  async list(): Promise<Digest[]> {
    const out: Digest[] = [];
    for (const [algorithm, hexRe] of Object.entries(HEX_BY_ALGORITHM)) {
      let names: string[];
      try {
        names = await readdir(join(this.root, 'blobs', algorithm));
      } catch (e) {
        if (isErrno(e, 'ENOENT')) continue;
        throw e;
      }
      for (const name of names) if (hexRe.test(name)) out.push(`${algorithm}:${name}`);
    }
    return out.sort();
  }

  async readIndex(): Promise<OciIndex> {
    let text: string;
    try {
      text = await readFile(join(this.root, 'index.json'), 'utf8');
    } catch (e) {
      if (isErrno(e, 'ENOENT')) return { schemaVersion: 2, manifests: [] };
      throw e;
    }
    try {
      return JSON.parse(text) as OciIndex;
    } catch (e) {
      throw new StrataError('internal', `corrupt OCI index ${join(this.root, 'index.json')}: ${(e as Error).message}`, { cause: e });
    }
  }

  async writeIndex(index: OciIndex): Promise<void> {
    await this.init();
    await writeFileAtomically(this.tempDir, join(this.root, 'index.json'), encodeJson(index));
  }

  private digestOf(bytes: Uint8Array, algorithm: 'sha256' | 'sha512'): { digest: Digest; size: number } {
    const h = this.hasher.create(algorithm);
    h.update(bytes);
    return { digest: `${algorithm}:${h.hex()}`, size: bytes.byteLength };
  }

  /**
   * Read the whole source into big staging buffers; each full buffer is hashed (on the hash
   * thread when there is one, so the main thread only copies) and, when `fh` is given, written at
   * its offset, while the next buffer fills. Every buffer is idle again before this returns or throws.
   */
  private async consume(
    source: ReadableStream<Uint8Array>,
    algorithm: 'sha256' | 'sha512',
    expected: BlobExpectation | undefined,
    fh: FileHandle | undefined,
  ): Promise<{ digest: Digest; size: number }> {
    const reader = source.getReader();
    // A source that errors on a mismatch has hashed every byte already: only the size is counted here.
    const hashing = !sourceVerifies(expected);
    const thread = this.hashThread;
    const mainHash = thread || !hashing ? undefined : this.hasher.create(algorithm);
    let threadHash: ThreadHash | undefined;
    let inlineHex: string | undefined;
    const slots: Array<WriteBuffer & { busy: Promise<unknown> }> = [];
    const slot = (i: number) => (slots[i] ??= { ...writeBuffers.take(), busy: Promise.resolve() });
    let current = 0;
    let filled = 0;
    let size = 0;
    let position = 0;
    // Writes go one after another (a failed one stops the rest); hashing runs beside them.
    let writes: Promise<unknown> = Promise.resolve();
    // Writeback started while the blob still streams in, so the final fsync finds little left to do.
    let sinceSync = 0;
    let syncing: Promise<unknown> = Promise.resolve();
    const flush = (last: boolean) => {
      if (filled === 0) return;
      const buf = slot(current);
      const n = filled;
      let hashed: Promise<unknown> | undefined;
      if (!hashing) {
        // Counted already; the source has hashed these bytes.
      } else if (mainHash) mainHash.update(buf.bytes.subarray(0, n));
      else if (last && !threadHash) {
        // A blob within one buffer: a round trip to the thread would cost more than hashing it here.
        const h = this.hasher.create(algorithm);
        h.update(buf.bytes.subarray(0, n));
        inlineHex = h.hex();
      } else {
        threadHash ??= thread!.create(algorithm);
        hashed = threadHash.update(buf.shared, n);
      }
      let written: Promise<unknown> | undefined;
      if (fh) {
        const at = position;
        written = writes = writes.then(() => writeFully(fh, buf.bytes, n, at));
        position += n;
        sinceSync += n;
        if (sinceSync >= EARLY_WRITEBACK) {
          sinceSync = 0;
          syncing = Promise.all([syncing, written]).then(() => fh.datasync());
          syncing.catch(() => undefined);
        }
      }
      buf.busy = Promise.all([hashed, written]);
      // Observed here so a failure surfaces at the next await on it, never as unhandled.
      buf.busy.catch(() => undefined);
      current = (current + 1) % STAGING_BUFFERS;
      filled = 0;
    };
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (!(value instanceof Uint8Array)) throw new TypeError('blob source must yield Uint8Array chunks');
        size += value.byteLength;
        checkSizeSoFar(expected, size);
        streamedBytes(value.byteLength);
        let offset = 0;
        while (offset < value.byteLength) {
          if (filled === 0) await slot(current).busy;
          const n = Math.min(WRITE_BUFFER - filled, value.byteLength - offset);
          slot(current).bytes.set(value.subarray(offset, offset + n), filled);
          filled += n;
          offset += n;
          if (filled === WRITE_BUFFER) flush(false);
        }
      }
      flush(true);
      await Promise.all(slots.map((b) => b.busy));
      await syncing;
      if (!hashing) return { digest: expected!.digest!, size };
      const hex = mainHash?.hex() ?? inlineHex ?? (threadHash ? await threadHash.hex() : this.hasher.create(algorithm).hex());
      return { digest: `${algorithm}:${hex}`, size };
    } catch (e) {
      threadHash?.abandon();
      await reader.cancel(e).catch(() => undefined);
      throw e;
    } finally {
      reader.releaseLock();
      // No buffer goes back to the pool while a write or the hash thread may still read it.
      await Promise.allSettled([...slots.map((b) => b.busy), writes, syncing]);
      for (const b of slots) writeBuffers.give({ shared: b.shared, bytes: b.bytes });
    }
  }

  private async commitBytes(bytes: Uint8Array, actual: { digest: Digest; size: number }) {
    const temp = tempPathIn(this.tempDir, 'blob');
    try {
      const fh = await open(temp, 'wx', 0o644);
      try {
        await writeFile(fh, bytes);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await this.commitFile(temp, actual.digest);
      return actual;
    } catch (e) {
      await removeIfPresent(temp);
      throw e;
    }
  }

  /** Give a verified, fsynced temp file its final name; an existing blob wins (same bytes). */
  private async commitFile(temp: string, digest: Digest): Promise<void> {
    const final = this.pathOf(digest);
    await mkdir(dirname(final), { recursive: true });
    if (await exists(final)) {
      await removeIfPresent(temp);
      return;
    }
    await rename(temp, final);
    await fsyncDirectory(dirname(final));
  }
}

async function writeFully(fh: FileHandle, buf: Buffer, length: number, position: number): Promise<void> {
  let offset = 0;
  while (offset < length) {
    const { bytesWritten } = await fh.write(buf, offset, length - offset, position + offset);
    offset += bytesWritten;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return false;
    throw e;
  }
}

const encodeJson = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));

const blobNotFound = (digest: Digest) => notFound(`content digest ${digest}: not found`);
