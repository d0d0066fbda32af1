import { type Digest, digestingStream } from '../digest/index.js';
import { invalid } from '../errors/index.js';
import { cleanEntryPath, decompressedStream, readTar } from '../layer/index.js';
import { MediaType } from '../image/index.js';
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
}

const mediaTypeFor = { none: MediaType.ociLayer, gzip: MediaType.ociLayerGzip, zstd: MediaType.ociLayerZstd } as const;

/**
 * Store a layer blob as it comes (compressed or not) and, in the same pass, decompress it to
 * compute its diffID, count Docker's size and reject hostile entries (`../`, absolute names,
 * hard links leaving the layer). The blob lands in the content store only if all of that holds
 * and its digest matches `expected`.
 */
export async function ingestLayer(
  ports: EnginePorts,
  source: ReadableStream<Uint8Array> | Uint8Array,
  expected?: { digest?: Digest; size?: number },
): Promise<IngestedLayer> {
  const stream = source instanceof Uint8Array ? bytesStream(source) : source;
  const { main: toStore, side: toInspect } = splitWithBackpressure(stream);
  let inspectError: unknown;
  const inspection = inspectLayer(ports, toInspect).catch((e) => {
    inspectError = e;
    throw e;
  });
  // A hostile layer must not reach the store: the write waits for the inspection's verdict.
  const gated = toStore.pipeThrough(gateOn(inspection));
  const [stored, facts] = await Promise.allSettled([ports.content.write(gated, expected), inspection]);
  if (facts.status === 'rejected') {
    if (stored.status === 'fulfilled') await ports.content.delete(stored.value.digest).catch(() => undefined);
    throw inspectError ?? facts.reason;
  }
  if (stored.status === 'rejected') throw stored.reason;
  return { blob: stored.value.digest, blobSize: stored.value.size, ...facts.value };
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

async function inspectLayer(ports: EnginePorts, raw: ReadableStream<Uint8Array>) {
  const { compression: kind, stream: tar } = await decompressedStream(raw, ports.codecs);
  if (kind === 'bzip2' || kind === 'xz') throw invalid(`unsupported layer compression: ${kind}`);
  const digesting = digestingStream(ports.hasher);
  let size = 0;
  let entries = 0;
  const seenLinks: Array<{ path: string; target: string }> = [];
  for await (const e of readTar(tar.pipeThrough(digesting.stream))) {
    if (e.type === 'pax-global') continue;
    entries++;
    const path = cleanEntryPath(e.path);
    if (e.type === 'file' || e.type === 'contiguous') size += e.size;
    else if (e.type === 'symlink') size += new TextEncoder().encode(e.linkname).byteLength;
    else if (e.type === 'hardlink') seenLinks.push({ path, target: cleanEntryPath(e.linkname) });
    await e.body.cancel();
  }
  const { digest, size: tarSize } = digesting.result();
  return { mediaType: mediaTypeFor[kind], diffId: digest, tarSize, size, entries };
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
