import {
  notFound,
  parseDigest,
  type BlobExpectation,
  type ContentStore,
  type Digest,
  type Hasher,
  type OciIndex,
} from '@strata/core';
import { algorithmFor, checkExpectation, checkSizeSoFar, verifyBlob } from '../content/blob-expectation.js';
import { nodeHasher } from '../node/node-hasher.js';

const READ_CHUNK = 64 * 1024;

/** ContentStore in memory, for tests: the same verification and errors as FsContentStore. */
export class MemoryContentStore implements ContentStore {
  private readonly blobs = new Map<Digest, Uint8Array>();
  private index = JSON.stringify({ schemaVersion: 2, manifests: [] } satisfies OciIndex);
  private readonly hasher: Hasher;

  constructor(hasher: Hasher = nodeHasher) {
    this.hasher = hasher;
  }

  async has(digest: Digest): Promise<boolean> {
    return this.blobs.has(parseDigest(digest));
  }

  async size(digest: Digest): Promise<number | undefined> {
    return this.blobs.get(parseDigest(digest))?.byteLength;
  }

  async read(digest: Digest): Promise<ReadableStream<Uint8Array>> {
    const bytes = await this.readBytes(digest);
    let offset = 0;
    return new ReadableStream<Uint8Array>({
      pull(controller) {
        if (offset >= bytes.byteLength) return controller.close();
        controller.enqueue(bytes.subarray(offset, offset + READ_CHUNK));
        offset += READ_CHUNK;
      },
    });
  }

  async readBytes(digest: Digest): Promise<Uint8Array> {
    const bytes = this.blobs.get(parseDigest(digest));
    if (!bytes) throw notFound(`content digest ${digest}: not found`);
    return bytes.slice();
  }

  async write(
    source: ReadableStream<Uint8Array> | Uint8Array,
    expected?: BlobExpectation,
  ): Promise<{ digest: Digest; size: number }> {
    checkExpectation(expected);
    const algorithm = algorithmFor(expected);
    const bytes = source instanceof Uint8Array ? source.slice() : await collect(source, expected);
    const h = this.hasher.create(algorithm);
    h.update(bytes);
    const actual = { digest: `${algorithm}:${h.hex()}` as Digest, size: bytes.byteLength };
    verifyBlob(expected, actual);
    if (!this.blobs.has(actual.digest)) this.blobs.set(actual.digest, bytes);
    return actual;
  }

  /** Removing an absent blob is not an error (as in FsContentStore). */
  async delete(digest: Digest): Promise<void> {
    this.blobs.delete(parseDigest(digest));
  }

  async list(): Promise<Digest[]> {
    return [...this.blobs.keys()].sort();
  }

  async readIndex(): Promise<OciIndex> {
    return JSON.parse(this.index) as OciIndex;
  }

  async writeIndex(index: OciIndex): Promise<void> {
    this.index = JSON.stringify(index);
  }
}

async function collect(source: ReadableStream<Uint8Array>, expected: BlobExpectation | undefined): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let size = 0;
  const reader = source.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      checkSizeSoFar(expected, size);
      parts.push(value.slice());
    }
  } catch (e) {
    await reader.cancel(e).catch(() => undefined);
    throw e;
  } finally {
    reader.releaseLock();
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return out;
}
