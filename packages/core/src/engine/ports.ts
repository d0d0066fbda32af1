import type { Digest, Hasher } from '../digest/index.js';
import type { Runtime } from '../lifecycle/index.js';
import type { Registry } from './registry-port.js';
import type { NetworkPort } from './network-port.js';
import type { VolumeStore } from './volume-port.js';

/** An OCI descriptor: a pointer to a blob. */
export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  annotations?: Record<string, string>;
  platform?: { architecture: string; os: string; variant?: string; 'os.version'?: string; 'os.features'?: string[] };
  urls?: string[];
  artifactType?: string;
}

/** The OCI layout entry point (`index.json`). */
export interface OciIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

/** What a blob write must match; a mismatch aborts the write and leaves nothing behind. */
export interface BlobExpectation {
  digest?: Digest;
  size?: number;
  /**
   * The source verifies `digest` and `size` itself as it streams and errors instead of closing
   * when they do not match (a {@link Registry} blob stream), so the store need not hash the bytes
   * a second time. Honoured only with both `digest` and `size` and a stream source; bytes from
   * anywhere else (an archive, a request body) must leave it unset and are hashed by the store.
   */
  verifiedBySource?: boolean;
}

/**
 * Port: immutable blobs named by digest (an OCI image layout on disk).
 * Writes are all-or-nothing: verified against the expectation before they become visible.
 */
export interface ContentStore {
  has(digest: Digest): Promise<boolean>;
  /** Size in bytes, or undefined when absent. */
  size(digest: Digest): Promise<number | undefined>;
  /** The blob's bytes as a stream; throws not-found. */
  read(digest: Digest): Promise<ReadableStream<Uint8Array>>;
  /** The whole blob (for small blobs: configs, manifests); throws not-found. */
  readBytes(digest: Digest): Promise<Uint8Array>;
  /** Store bytes; returns their digest and size. Verifies `expected` before commit. */
  write(source: ReadableStream<Uint8Array> | Uint8Array, expected?: BlobExpectation): Promise<{ digest: Digest; size: number }>;
  delete(digest: Digest): Promise<void>;
  list(): Promise<Digest[]>;
  /** The layout's `index.json` (empty index when none was written yet). */
  readIndex(): Promise<OciIndex>;
  /** Replace `index.json` atomically. */
  writeIndex(index: OciIndex): Promise<void>;
}

/**
 * Port: small JSON records (tags, image metadata, layer records), each written atomically.
 * Namespaces are flat folder-like names (`images`, `layers`, `tags`).
 */
/** How far a record write must go before it returns. */
export interface RecordWriteOptions {
  /**
   * false: the record's own bytes are made durable before it replaces the old one, but not the
   * directory entry (dockerd writes container configs so): after a power loss a reader finds the new
   * record, the previous one or none, never a torn one. Default true.
   */
  syncDirectory?: boolean;
  /**
   * false: not even the record's own bytes are synced; it is renamed into place from the page cache, so
   * an engine crash finds it and only a power loss can lose it (for records a crash would discard
   * anyway: those of `--rm` containers). Implies syncDirectory false. Default true.
   */
  syncFile?: boolean;
}

export interface MetadataStore {
  get<T>(namespace: string, key: string): Promise<T | undefined>;
  put<T>(namespace: string, key: string, value: T, options?: RecordWriteOptions): Promise<void>;
  delete(namespace: string, key: string, options?: RecordWriteOptions): Promise<void>;
  /** Every record of a namespace as [key, value] pairs, in no particular order. */
  list<T>(namespace: string): Promise<Array<[string, T]>>;
  /**
   * A record kept as bytes (derived data with a compact encoding of its own: layer indexes, finished
   * analyses), beside the JSON records and not listed by `list`; undefined when absent.
   */
  getBytes?(namespace: string, key: string): Promise<Uint8Array | undefined>;
  /** Write a bytes record atomically: the concatenation of `parts`, so a large record needs no copy. */
  putBytes?(namespace: string, key: string, parts: readonly Uint8Array[]): Promise<void>;
  /** Remove a bytes record (absent is not an error). */
  deleteBytes?(namespace: string, key: string): Promise<void>;
}

/** Port: wall-clock time. Tests pass a fake. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

/** Port: randomness for IDs. */
export interface Random {
  bytes(n: number): Uint8Array;
}

/** Compression formats Strata recognises in archives and layers. */
export type Compression = 'none' | 'gzip' | 'bzip2' | 'xz' | 'zstd';

/**
 * Port: (de)compressors the platform supplies. gzip is required; others are optional and
 * their absence yields a clear `unavailable` error.
 */
export interface Codecs {
  decompress(kind: Exclude<Compression, 'none'>): TransformStream<Uint8Array, Uint8Array>;
  compress?(kind: 'gzip'): TransformStream<Uint8Array, Uint8Array>;
}

/** Everything the engine needs from the outside world, passed once at construction. */
export interface EnginePorts {
  content: ContentStore;
  metadata: MetadataStore;
  hasher: Hasher;
  clock: Clock;
  random: Random;
  codecs: Codecs;
  /** Runs containers; absent where none is installed (everything but running processes still works). */
  runtime?: Runtime;
  /** Talks to image registries (pull); absent in engines that work offline. */
  registry?: Registry;
  /** Volume directories under the data root; absent = no volumes. */
  volumes?: VolumeStore;
  /** The bridge network; absent = containers get loopback only. */
  network?: NetworkPort;
  /** Fetches `ADD <url>` sources (the web-standard fetch); absent = such an ADD fails with a clear message. */
  http?: HttpFetch;
}

/** An HTTP(S) GET with the web-standard fetch's shape. */
export type HttpFetch = (url: string, init?: { redirect?: 'follow'; signal?: AbortSignal }) => Promise<Response>;
