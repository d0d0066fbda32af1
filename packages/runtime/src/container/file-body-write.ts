import type { FileHandle } from 'node:fs/promises';

/**
 * Bytes gathered into one writev(2). Each write is a trip through libuv's thread pool; a body
 * arrives in 64 KiB socket chunks, and writing them one by one cost more than the bytes did.
 */
const BATCH = 1 << 20;

/**
 * Write a stream into `fh` from offset 0 in vectored writes of about 1 MiB, the next batch
 * gathering while the one before is written: at most one write in flight and one batch held, so a
 * body of any size needs about 2 MiB. `onBodyRead` hears when the stream's end has been read (the
 * last write may still be landing). Returns the bytes written; a failed read or write cancels the
 * stream and throws once no write is pending any more.
 */
export async function writeBodyTo(fh: FileHandle, body: ReadableStream<Uint8Array>, onBodyRead?: () => void): Promise<number> {
  const reader = body.getReader();
  let position = 0;
  let batch: Uint8Array[] = [];
  let batched = 0;
  let writing: Promise<void> = Promise.resolve();
  const send = async () => {
    // The write before must land first: that bounds what is held, and a failure stops the body.
    await writing;
    const chunks = batch;
    const at = position;
    position += batched;
    batch = [];
    batched = 0;
    writing = writeAllAt(fh, chunks, at);
    // Observed here; the failure is thrown at the next await of `writing`.
    writing.catch(() => undefined);
  };
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (value.byteLength === 0) continue;
      batch.push(value);
      batched += value.byteLength;
      if (batched >= BATCH) await send();
    }
    if (batched > 0) await send();
    onBodyRead?.();
    await writing;
    return position;
  } catch (e) {
    await reader.cancel(e).catch(() => undefined);
    await writing.catch(() => undefined);
    throw e;
  } finally {
    reader.releaseLock();
  }
}

/** pwritev(2) of every chunk at `at`, continuing after short writes. */
async function writeAllAt(fh: FileHandle, chunks: Uint8Array[], at: number): Promise<void> {
  let rest = chunks;
  let position = at;
  while (rest.length > 0) {
    let { bytesWritten } = await fh.writev(rest, position);
    if (bytesWritten === 0) throw new Error('writev wrote nothing');
    position += bytesWritten;
    let i = 0;
    while (i < rest.length && bytesWritten >= rest[i]!.byteLength) bytesWritten -= rest[i++]!.byteLength;
    rest = rest.slice(i);
    if (rest.length > 0 && bytesWritten > 0) rest[0] = rest[0]!.subarray(bytesWritten);
  }
}
