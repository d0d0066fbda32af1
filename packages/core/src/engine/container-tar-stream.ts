import { invalid } from '../errors/index.js';
import { type TarWriteEntry, bodyLength, freshHeaderBlocks, writePlainUstarHeader } from '../layer/index.js';

const BLOCK = 512;
const BATCH = 256 << 10;
const END_OF_ARCHIVE = new Uint8Array(2 * BLOCK);
const NOTHING = new Uint8Array(0);

/**
 * Entries as a tar stream with Go's headers (as writeTar in `fresh` mode), small entries batched:
 * headers are written, and in-memory bodies copied, straight into 256 KiB pieces, so a layer of
 * thousands of small files costs a few hundred stream reads (and no buffer per header) instead of
 * three per file. Stream bodies pass through as they come.
 */
export function batchedTar(entries: AsyncIterable<TarWriteEntry>): ReadableStream<Uint8Array> {
  const iterator = entries[Symbol.asyncIterator]();
  // Bytes not yet written in `batch` are zero: headers and padding rely on it.
  let batch = new Uint8Array(BATCH);
  let used = 0;
  let body: { reader: ReadableStreamDefaultReader<Uint8Array>; expected: number; written: number; path: string } | undefined;
  let finished = false;

  /** Room for `n` more bytes, handing back what is full first when they do not fit. */
  const room = (n: number): Uint8Array | undefined => {
    if (used + n <= batch.byteLength) return undefined;
    const full = used > 0 ? batch.subarray(0, used) : undefined;
    batch = new Uint8Array(Math.max(BATCH, n));
    used = 0;
    return full;
  };
  const take = (): Uint8Array => {
    const full = batch.subarray(0, used);
    batch = new Uint8Array(BATCH);
    used = 0;
    return full;
  };
  /** Appends `bytes` padded to the block size; a full batch it had to hand back first. */
  const append = (bytes: Uint8Array, padded: number): Uint8Array | undefined => {
    const full = room(padded);
    batch.set(bytes, used);
    used += padded;
    return full;
  };
  const paddedLength = (size: number) => size + ((BLOCK - (size % BLOCK)) % BLOCK);

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
            const full = append(NOTHING, paddedLength(body.expected) - body.expected);
            body = undefined;
            if (full) {
              c.enqueue(full);
              return;
            }
          }
          if (finished) {
            if (used > 0) c.enqueue(take());
            c.close();
            return;
          }
          const next = await iterator.next();
          if (next.done) {
            finished = true;
            const full = append(END_OF_ARCHIVE, END_OF_ARCHIVE.byteLength);
            if (full) c.enqueue(full);
            continue;
          }
          const entry = next.value;
          let full = room(BLOCK);
          if (writePlainUstarHeader(entry, batch, used)) used += BLOCK;
          else {
            batch.fill(0, used, used + BLOCK);
            for (const block of freshHeaderBlocks(entry)) {
              const more = append(block, block.byteLength);
              if (more) full = full ? concat(full, more) : more;
            }
          }
          const expected = bodyLength(entry);
          if (entry.body instanceof Uint8Array || entry.body === undefined) {
            const bytes = entry.body ?? new Uint8Array(0);
            if (bytes.byteLength !== expected) throw invalid(`archive/tar: ${JSON.stringify(entry.path)} declares ${expected} bytes, has ${bytes.byteLength}`);
            if (expected >= BATCH) {
              // A big body goes out as it is, after what is batched; its padding starts the next batch.
              if (full) c.enqueue(full);
              if (used > 0) c.enqueue(take());
              c.enqueue(bytes);
              used = paddedLength(expected) - expected;
              return;
            }
            const more = append(bytes, paddedLength(expected));
            if (more) full = full ? concat(full, more) : more;
            if (full) {
              c.enqueue(full);
              return;
            }
            if (used >= BATCH) {
              c.enqueue(take());
              return;
            }
            continue;
          }
          body = { reader: entry.body.getReader(), expected, written: 0, path: entry.path };
          const pending = used > 0;
          if (full) c.enqueue(full);
          if (pending) c.enqueue(take());
          if (full || pending) return;
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

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a, 0);
  out.set(b, a.byteLength);
  return out;
}
