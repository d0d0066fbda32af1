import { invalid } from '../errors/index.js';
import { freshHeaderBlocks } from './fresh-header.js';
import type { TarEntry } from './tar-entry.js';
import { BLOCK, paddingOf } from './tar-header.js';
import { bodyLength } from './tar-reader.js';

/** An entry to write, with its body (file-like entries only). */
export type TarWriteEntry = TarEntry & { body?: ReadableStream<Uint8Array> | Uint8Array };

export interface TarWriteOptions {
  /**
   * `raw`: entries that were decoded are re-emitted from their original header blocks and
   * padding (decode then encode gives the same bytes); entries without `raw` get fresh headers.
   * `fresh`: every header is built from the fields, as Go's archive/tar (and so Docker) writes it.
   */
  mode: 'raw' | 'fresh';
  /**
   * Bytes after the last entry. Default: two zero blocks, no record padding (Docker's layers).
   * A function is called at the end, so a TarReader's `trailer` can be passed through.
   */
  trailer?: Uint8Array | (() => Uint8Array | undefined);
}

const END_OF_ARCHIVE = new Uint8Array(2 * BLOCK);

async function* bodyChunks(body: TarWriteEntry['body']): AsyncGenerator<Uint8Array> {
  if (body === undefined) return;
  if (body instanceof Uint8Array) {
    yield body;
    return;
  }
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

async function* tarChunks(
  entries: AsyncIterable<TarWriteEntry> | Iterable<TarWriteEntry>,
  options: TarWriteOptions,
): AsyncGenerator<Uint8Array> {
  for await (const entry of entries) {
    const raw = options.mode === 'raw' ? entry.raw : undefined;
    if (raw) yield raw.header;
    else yield* freshHeaderBlocks(entry);
    const expected = bodyLength(entry);
    let written = 0;
    for await (const chunk of bodyChunks(entry.body)) {
      written += chunk.byteLength;
      if (written > expected) throw invalid(`archive/tar: write too long (${JSON.stringify(entry.path)} declares ${expected} bytes)`);
      if (chunk.byteLength > 0) yield chunk;
    }
    if (written < expected) throw invalid(`archive/tar: missed writing ${expected - written} bytes (${JSON.stringify(entry.path)})`);
    const pad = paddingOf(expected);
    if (pad > 0) yield raw && raw.padding.length === pad ? raw.padding : new Uint8Array(pad);
  }
  const trailer = typeof options.trailer === 'function' ? options.trailer() : options.trailer;
  yield trailer ?? END_OF_ARCHIVE;
}

/** Encode entries (and their bodies) as a tar stream. */
export function writeTar(
  entries: AsyncIterable<TarWriteEntry> | Iterable<TarWriteEntry>,
  options: TarWriteOptions,
): ReadableStream<Uint8Array> {
  const chunks = tarChunks(entries, options);
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const { done, value } = await chunks.next();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      async cancel() {
        await chunks.return(undefined);
      },
    },
    { highWaterMark: 0 },
  );
}
