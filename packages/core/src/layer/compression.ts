import type { Codecs, Compression } from '../engine/ports.js';

const magics: Array<[Exclude<Compression, 'none'>, number[]]> = [
  ['gzip', [0x1f, 0x8b]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  ['bzip2', [0x42, 0x5a, 0x68]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
];

/** Bytes to peek to recognise every format. */
export const SNIFF_LENGTH = 6;

/** The compression a blob starts with, from its magic bytes (media types lie, so never trust them). */
export function sniffCompression(firstBytes: Uint8Array): Compression {
  for (const [kind, magic] of magics) {
    if (firstBytes.length >= magic.length && magic.every((b, i) => firstBytes[i] === b)) return kind;
  }
  return 'none';
}

/** A reader's first chunks, read until there are enough bytes to tell the compression (kept for a replay). */
export async function readHead(
  reader: ReadableStreamDefaultReader<Uint8Array>,
): Promise<{ compression: Compression; chunks: Uint8Array[]; ended: boolean }> {
  const chunks: Uint8Array[] = [];
  let have = 0;
  let ended = false;
  while (have < SNIFF_LENGTH) {
    const { done, value } = await reader.read();
    if (done) {
      ended = true;
      break;
    }
    chunks.push(value);
    have += value.byteLength;
  }
  const first = new Uint8Array(Math.min(have, SNIFF_LENGTH));
  let o = 0;
  for (const chunk of chunks) {
    if (o === first.length) break;
    const take = Math.min(chunk.byteLength, first.length - o);
    first.set(chunk.subarray(0, take), o);
    o += take;
  }
  return { compression: sniffCompression(first), chunks, ended };
}

/** Peek a stream's first bytes to tell its compression; the returned stream replays every byte. */
export async function peekCompression(
  stream: ReadableStream<Uint8Array>,
): Promise<{ compression: Compression; stream: ReadableStream<Uint8Array> }> {
  const reader = stream.getReader();
  const { compression, chunks: peeked, ended } = await readHead(reader);
  const replay = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const next = peeked.shift();
        if (next) return controller.enqueue(next);
        if (ended) return controller.close();
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  );
  return { compression, stream: replay };
}

/**
 * The uncompressed bytes of a blob: peeks its first bytes, then pipes it through the
 * matching `codecs.decompress` (or passes it through when it is not compressed).
 */
export async function decompressedStream(
  stream: ReadableStream<Uint8Array>,
  codecs: Codecs,
): Promise<{ compression: Compression; stream: ReadableStream<Uint8Array> }> {
  const { compression, stream: raw } = await peekCompression(stream);
  if (compression === 'none') return { compression, stream: raw };
  return { compression, stream: raw.pipeThrough(codecs.decompress(compression)) };
}
