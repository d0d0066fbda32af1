import { invalid } from '../errors/index.js';
import { type TarWriteEntry, bodyLength, freshHeaderBlocks } from '../layer/index.js';

const BLOCK = 512;
const BATCH = 256 << 10;
const END_OF_ARCHIVE = new Uint8Array(2 * BLOCK);

/**
 * Entries as a tar stream with Go's headers (as writeTar in `fresh` mode), small entries batched:
 * headers and in-memory bodies are copied into 256 KiB pieces, so a layer of thousands of small
 * files costs a few hundred stream reads instead of three per file. Stream bodies pass through as they come.
 */
export function batchedTar(entries: AsyncIterable<TarWriteEntry>): ReadableStream<Uint8Array> {
  const iterator = entries[Symbol.asyncIterator]();
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let body: { reader: ReadableStreamDefaultReader<Uint8Array>; expected: number; written: number; path: string } | undefined;
  let finished = false;

  const add = (bytes: Uint8Array) => {
    if (bytes.byteLength === 0) return;
    pending.push(bytes);
    pendingBytes += bytes.byteLength;
  };
  const take = (): Uint8Array => {
    const out = new Uint8Array(pendingBytes);
    let o = 0;
    for (const p of pending) {
      out.set(p, o);
      o += p.byteLength;
    }
    pending = [];
    pendingBytes = 0;
    return out;
  };
  const padding = (size: number) => new Uint8Array((BLOCK - (size % BLOCK)) % BLOCK);

  return new ReadableStream<Uint8Array>(
    {
      async pull(c) {
        while (true) {
          if (body) {
            const { done, value } = await body.reader.read();
            if (!done) {
              body.written += value.byteLength;
              if (body.written > body.expected) throw invalid(`archive/tar: write too long (${JSON.stringify(body.path)} declares ${body.expected} bytes)`);
              c.enqueue(value);
              return;
            }
            if (body.written < body.expected) throw invalid(`archive/tar: missed writing ${body.expected - body.written} bytes (${JSON.stringify(body.path)})`);
            add(padding(body.expected));
            body = undefined;
          }
          if (finished) {
            if (pendingBytes > 0) c.enqueue(take());
            c.close();
            return;
          }
          const next = await iterator.next();
          if (next.done) {
            finished = true;
            add(END_OF_ARCHIVE);
            continue;
          }
          const entry = next.value;
          for (const block of freshHeaderBlocks(entry)) add(block);
          const expected = bodyLength(entry);
          if (entry.body instanceof Uint8Array || entry.body === undefined) {
            const bytes = entry.body ?? new Uint8Array(0);
            if (bytes.byteLength !== expected) throw invalid(`archive/tar: ${JSON.stringify(entry.path)} declares ${expected} bytes, has ${bytes.byteLength}`);
            add(bytes);
            add(padding(expected));
            if (pendingBytes >= BATCH) {
              c.enqueue(take());
              return;
            }
            continue;
          }
          body = { reader: entry.body.getReader(), expected, written: 0, path: entry.path };
          if (pendingBytes > 0) {
            c.enqueue(take());
            return;
          }
        }
      },
      async cancel(reason) {
        await body?.reader.cancel(reason);
        await iterator.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}
