import { type Digest } from '../digest/index.js';
import { invalid } from '../errors/index.js';
import { MediaType } from '../image/index.js';
import { type TarEntry, TarHeaderScanner, cleanEntryPath, readHead } from '../layer/index.js';
import { type LayerTable, LayerTableBuilder } from '../insight/index.js';
import { chunkCoalescer } from './chunk-coalescer.js';
import type { BlobExpectation, Compression } from './ports.js';
import type { EnginePorts } from './ports.js';

/** What reading a layer blob once taught us: its blob digest, its diffID and Docker's size figures. */
export interface IngestedLayer {
  blob: Digest;
  blobSize: number;
  mediaType: string;
  diffId: Digest;
  tarSize: number;
  size: number;
  entries: number;
  /** Every header as compact columns, collected on the same pass (recorded as the layer's index). */
  table?: LayerTable;
}

/** Compressed bytes handed to the decompressor at once (network reads come in 64 KiB). */
const DECOMPRESS_CHUNK = 512 * 1024;

const mediaTypeFor = { none: MediaType.ociLayer, gzip: MediaType.ociLayerGzip, zstd: MediaType.ociLayerZstd } as const;
const utf8 = new TextEncoder();

/** Docker's size figures of a layer and the check that no entry leaves the layer root, from its headers. */
class LayerFacts {
  size = 0;
  entries = 0;
  tarSize = 0;
  readonly scanner = new TarHeaderScanner((e) => this.add(e));
  /** Cleans (and so vets) each path as it records it. */
  readonly rows = new LayerTableBuilder();

  add(e: TarEntry): void {
    if (e.type === 'pax-global') return;
    this.entries++;
    this.rows.add(e);
    if (e.type === 'file' || e.type === 'contiguous') this.size += e.size;
    else if (e.type === 'symlink') this.size += utf8.encode(e.linkname).byteLength;
    else if (e.type === 'hardlink') cleanEntryPath(e.linkname);
  }

  push(chunk: Uint8Array): void {
    this.tarSize += chunk.byteLength;
    this.scanner.push(chunk);
  }
}

/**
 * Store a layer blob as it comes (compressed or not) and, in the same pass, read its tar headers
 * to count Docker's size and reject hostile entries (`../`, absolute names, hard links leaving
 * the layer). Nothing is unpacked. An uncompressed blob is its own diffID (hashed once, by the
 * store); a compressed one is also decompressed and hashed on a side branch. The blob lands in the
 * content store only if all of that holds and its digest matches `expected`.
 */
export async function ingestLayer(
  ports: EnginePorts,
  source: ReadableStream<Uint8Array> | Uint8Array,
  expected?: BlobExpectation,
  /** Called once the source's last byte has been read (the store may still be syncing it). */
  onSourceEnd?: () => void,
): Promise<IngestedLayer> {
  const peeked = await peekSource(source instanceof Uint8Array ? bytesStream(source) : source, onSourceEnd);
  const { compression } = peeked;
  if (compression === 'bzip2' || compression === 'xz') {
    await peeked.reader.cancel().catch(() => undefined);
    throw invalid(`unsupported layer compression: ${compression}`);
  }
  const facts = new LayerFacts();
  if (compression === 'none') {
    const stored = await ports.content.write(scannedReplay(peeked, facts), expected);
    return { blob: stored.digest, blobSize: stored.size, mediaType: mediaTypeFor.none, diffId: stored.digest, tarSize: facts.tarSize, size: facts.size, entries: facts.entries, table: facts.rows.table(facts.tarSize) };
  }
  const stream = scannedReplay(peeked, undefined);
  const { main, side } = splitWithBackpressure(stream);
  const hash = ports.hasher.create('sha256');
  const inspection = side
    .pipeThrough(chunkCoalescer(DECOMPRESS_CHUNK))
    .pipeThrough(ports.codecs.decompress(compression))
    .pipeTo(
      new WritableStream<Uint8Array>({
        write(chunk) {
          hash.update(chunk);
          facts.push(chunk);
        },
        close() {
          facts.scanner.end();
        },
      }),
    );
  // A hostile layer must not reach the store: the write waits for the inspection's verdict.
  const gated = main.pipeThrough(gateOn(inspection));
  const [stored, inspected] = await Promise.allSettled([ports.content.write(gated, expected), inspection]);
  if (inspected.status === 'rejected') {
    if (stored.status === 'fulfilled') await ports.content.delete(stored.value.digest).catch(() => undefined);
    throw inspected.reason;
  }
  if (stored.status === 'rejected') throw stored.reason;
  return {
    blob: stored.value.digest,
    blobSize: stored.value.size,
    mediaType: mediaTypeFor[compression],
    diffId: `sha256:${hash.hex()}`,
    tarSize: facts.tarSize,
    size: facts.size,
    entries: facts.entries,
    table: facts.rows.table(facts.tarSize),
  };
}

/** Where a tar the engine writes itself reports each entry as it writes it. */
export interface WrittenEntries {
  add(e: TarEntry): void;
}

/**
 * Store a layer tar the engine writes itself (a commit): its entries are counted and tabled as
 * they are written, not decoded again from the bytes as a tar from outside must be. `write`
 * returns the tar and reports every entry to `entries` before the tar's last byte.
 */
export async function ingestWrittenLayer(ports: EnginePorts, write: (entries: WrittenEntries) => ReadableStream<Uint8Array>): Promise<IngestedLayer> {
  const facts = new LayerFacts();
  const stored = await ports.content.write(write(facts));
  return { blob: stored.digest, blobSize: stored.size, mediaType: mediaTypeFor.none, diffId: stored.digest, tarSize: stored.size, size: facts.size, entries: facts.entries, table: facts.rows.table(stored.size) };
}

interface PeekedSource {
  compression: Compression;
  reader: ReadableStreamDefaultReader<Uint8Array>;
  /** Chunks already read to sniff the compression, replayed first. */
  head: Uint8Array[];
  ended: boolean;
  onEnd: (() => void) | undefined;
}

/** Read a source's first bytes to tell its compression, keeping them for the replay. */
async function peekSource(source: ReadableStream<Uint8Array>, onEnd: (() => void) | undefined): Promise<PeekedSource> {
  const reader = source.getReader();
  const { compression, chunks: head, ended } = await readHead(reader);
  return { compression, reader, head, ended, onEnd };
}

/**
 * The peeked source replayed whole, and (with `facts`) its tar headers vetted on the way: one
 * pull per chunk, the cheapest hop a Web stream has (a TransformStream costs several promises).
 * A hostile header errors the stream and cancels the source.
 */
function scannedReplay(peeked: PeekedSource, facts: LayerFacts | undefined): ReadableStream<Uint8Array> {
  const { reader, head } = peeked;
  const pass = (chunk: Uint8Array, c: ReadableStreamDefaultController<Uint8Array>) => {
    facts?.push(chunk);
    c.enqueue(chunk);
  };
  const finish = (c: ReadableStreamDefaultController<Uint8Array>) => {
    peeked.onEnd?.();
    facts?.scanner.end();
    c.close();
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(c) {
        try {
          const next = head.shift();
          if (next) return pass(next, c);
          if (peeked.ended) return finish(c);
          const { done, value } = await reader.read();
          if (done) finish(c);
          else pass(value, c);
        } catch (e) {
          await reader.cancel(e).catch(() => undefined);
          throw e;
        }
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  );
}

/** Holds back the stream's end until `verdict` settles; a rejected verdict errors the stream. */
function gateOn(verdict: Promise<unknown>): TransformStream<Uint8Array, Uint8Array> {
  return new TransformStream({
    transform(chunk, c) {
      c.enqueue(chunk);
    },
    async flush() {
      await verdict;
    },
  });
}

/**
 * Two readers of one stream where the slower one holds the faster one back (ReadableStream.tee
 * would buffer without bound when the consumers run at different speeds).
 */
function splitWithBackpressure(source: ReadableStream<Uint8Array>): { main: ReadableStream<Uint8Array>; side: ReadableStream<Uint8Array> } {
  let sideController!: ReadableStreamDefaultController<Uint8Array>;
  let resumeSide: (() => void) | undefined;
  let sideCancelled = false;
  const side = new ReadableStream<Uint8Array>(
    {
      start(c) {
        sideController = c;
      },
      pull() {
        resumeSide?.();
        resumeSide = undefined;
      },
      cancel() {
        sideCancelled = true;
        resumeSide?.();
      },
    },
    { highWaterMark: 4 },
  );
  const reader = source.getReader();
  const main = new ReadableStream<Uint8Array>({
    async pull(c) {
      try {
        const r = await reader.read();
        if (r.done) {
          if (!sideCancelled) sideController.close();
          c.close();
          return;
        }
        if (!sideCancelled) {
          sideController.enqueue(r.value);
          if ((sideController.desiredSize ?? 1) <= 0) await new Promise<void>((res) => (resumeSide = res));
        }
        c.enqueue(r.value);
      } catch (e) {
        if (!sideCancelled) sideController.error(e);
        c.error(e);
      }
    },
    cancel(reason) {
      if (!sideCancelled) sideController.error(reason);
      return reader.cancel(reason);
    },
  });
  return { main, side };
}

/** A stream over bytes already in memory. */
export function bytesStream(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      if (bytes.byteLength) c.enqueue(bytes);
      c.close();
    },
  });
}

/**
 * Store a layer tar the engine wrote in memory from `entries` (the same entries, in order): its
 * facts come from the entries and the store hashes the bytes in one call, with no pass of a tar
 * scanner over them.
 */
export async function ingestTarBytes(ports: EnginePorts, tar: Uint8Array, entries: readonly TarEntry[]): Promise<IngestedLayer> {
  const facts = new LayerFacts();
  for (const e of entries) facts.add(e);
  const stored = await ports.content.write(tar);
  return { blob: stored.digest, blobSize: stored.size, mediaType: mediaTypeFor.none, diffId: stored.digest, tarSize: tar.byteLength, size: facts.size, entries: facts.entries, table: facts.rows.table(tar.byteLength) };
}
