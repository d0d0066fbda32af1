// Test-only in-memory ports for core's own tests (core cannot depend on @strata/storage).
import { createGunzip } from 'node:zlib';
import { Duplex } from 'node:stream';
import type { Digest } from '../src/digest/index.js';
import { sha256Of } from '../src/digest/index.js';
import { invalid, notFound } from '../src/errors/index.js';
import type { BlobExpectation, Codecs, ContentStore, EnginePorts, MetadataStore, OciIndex, RecordWriteOptions } from '../src/engine/ports.js';
import { collect, nodeHasher, nodeRandom } from './node.js';

export class TestContentStore implements ContentStore {
  readonly blobs = new Map<Digest, Uint8Array>();
  index: OciIndex = { schemaVersion: 2, manifests: [] };
  async has(d: Digest) { return this.blobs.has(d); }
  async size(d: Digest) { return this.blobs.get(d)?.byteLength; }
  async readBytes(d: Digest) {
    const b = this.blobs.get(d);
    if (!b) throw notFound(`blob ${d} not found`);
    return b;
  }
  async read(d: Digest) {
    const b = await this.readBytes(d);
    return new ReadableStream<Uint8Array>({ start(c) { c.enqueue(b); c.close(); } });
  }
  async write(source: ReadableStream<Uint8Array> | Uint8Array, expected?: BlobExpectation) {
    const bytes = source instanceof Uint8Array ? source : await collect(source);
    const digest = sha256Of(nodeHasher, bytes);
    if (expected?.digest && expected.digest !== digest) throw invalid(`digest mismatch: expected ${expected.digest}, got ${digest}`);
    if (expected?.size !== undefined && expected.size !== bytes.byteLength) throw invalid('size mismatch');
    this.blobs.set(digest, bytes);
    return { digest, size: bytes.byteLength };
  }
  async delete(d: Digest) { this.blobs.delete(d); }
  async list() { return [...this.blobs.keys()]; }
  async readIndex() { return this.index; }
  async writeIndex(i: OciIndex) { this.index = structuredClone(i); }
}

export class TestMetadataStore implements MetadataStore {
  readonly data = new Map<string, string>();
  async get<T>(ns: string, key: string) {
    const v = this.data.get(`${ns}/${key}`);
    return v === undefined ? undefined : (JSON.parse(v) as T);
  }
  /** The options of the last put or delete of each record, to check what the engine asks to be synced. */
  readonly writeOptions = new Map<string, RecordWriteOptions | undefined>();
  async put<T>(ns: string, key: string, value: T, options?: RecordWriteOptions) {
    this.data.set(`${ns}/${key}`, JSON.stringify(value));
    this.writeOptions.set(`${ns}/${key}`, options);
  }
  async delete(ns: string, key: string, options?: RecordWriteOptions) {
    this.data.delete(`${ns}/${key}`);
    this.writeOptions.set(`${ns}/${key}`, options);
  }
  async list<T>(ns: string) {
    return [...this.data].filter(([k]) => k.startsWith(`${ns}/`)).map(([k, v]) => [k.slice(ns.length + 1), JSON.parse(v) as T] as [string, T]);
  }
  readonly bytes = new Map<string, Uint8Array>();
  async getBytes(ns: string, key: string) { return this.bytes.get(`${ns}/${key}`)?.slice(); }
  async putBytes(ns: string, key: string, parts: readonly Uint8Array[]) { this.bytes.set(`${ns}/${key}`, new Uint8Array(Buffer.concat(parts))); }
  async deleteBytes(ns: string, key: string) { this.bytes.delete(`${ns}/${key}`); }
}

export const testCodecs: Codecs = {
  decompress(kind) {
    if (kind !== 'gzip') throw invalid(`${kind} not available in tests`);
    return Duplex.toWeb(createGunzip()) as unknown as TransformStream<Uint8Array, Uint8Array>;
  },
};

export function testPorts(start = Date.parse('2026-11-30T00:00:00Z')): EnginePorts & { content: TestContentStore; metadata: TestMetadataStore; advance(ms: number): void } {
  let now = start;
  return {
    content: new TestContentStore(),
    metadata: new TestMetadataStore(),
    hasher: nodeHasher,
    clock: { now: () => now },
    random: nodeRandom,
    codecs: testCodecs,
    advance(ms: number) { now += ms; },
  };
}


/** Volume directories as a set of names (core tests; the filesystem store lives in @strata/storage). */
export class TestVolumeStore {
  readonly names = new Set<string>();
  async create(name: string) {
    this.names.add(name);
    return `/volumes/${name}/_data`;
  }
  async remove(name: string) { this.names.delete(name); }
}
