import type { OutputRecord } from '@strata/core';

/**
 * Container output as the API sends it: without a TTY, frames of an 8-byte header (stream 1
 * stdout or 2 stderr, three zero bytes, big-endian length) then the payload; with a TTY, raw
 * bytes that are all stdout. Frames may be split across chunks.
 */
export async function* outputRecords(chunks: AsyncIterable<Uint8Array>, tty: boolean): AsyncIterable<OutputRecord> {
  const time = () => new Date().toISOString();
  if (tty) {
    for await (const chunk of chunks) yield { stream: 'stdout', time: time(), bytes: new Uint8Array(chunk) };
    return;
  }
  let pending = new Uint8Array(0);
  for await (const chunk of chunks) {
    const joined = new Uint8Array(pending.length + chunk.length);
    joined.set(pending);
    joined.set(chunk, pending.length);
    let at = 0;
    while (joined.length - at >= 8) {
      const length = new DataView(joined.buffer, joined.byteOffset + at + 4, 4).getUint32(0);
      if (joined.length - at - 8 < length) break;
      const stream = joined[at] === 2 ? 'stderr' : 'stdout';
      yield { stream, time: time(), bytes: joined.slice(at + 8, at + 8 + length) };
      at += 8 + length;
    }
    pending = joined.slice(at);
  }
}
