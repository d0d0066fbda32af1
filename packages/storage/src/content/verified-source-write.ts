import type { FileHandle } from 'node:fs/promises';
import type { BlobExpectation } from '@strata/core';
import { checkSizeSoFar } from './blob-expectation.js';
import { streamedBytes } from './young-garbage.js';

/** Bytes of source chunks gathered into one writev(2). */
const BATCH = 1 << 20;

/**
 * Write a source that verifies its own bytes (`BlobExpectation.verifiedBySource`) into `fh`: no
 * hash, so its chunks need no staging copy either; they go to the file as they came, about 1 MiB
 * per vectored write, the next batch gathering while one is written. The size is still counted
 * (more bytes than expected fail at once). Every `writeback` bytes, writeback of what was written
 * starts in the background (fdatasync), so the final fsync finds little left to do. Returns the
 * size; nothing is pending when it returns or throws.
 */
export async function writeVerifiedSource(source: ReadableStream<Uint8Array>, expected: BlobExpectation, fh: FileHandle, writeback: number): Promise<number> {
  const reader = source.getReader();
  let size = 0;
  let position = 0;
  let batch: Uint8Array[] = [];
  let batched = 0;
  let writing: Promise<void> = Promise.resolve();
  let sinceSync = 0;
  let syncing: Promise<unknown> = Promise.resolve();
  const send = async () => {
    // One write in flight: that bounds what is held, and a failure stops the source.
    await writing;
    const chunks = batch;
    const at = position;
    position += batched;
    sinceSync += batched;
    batch = [];
    batched = 0;
    writing = writeAllAt(fh, chunks, at);
    writing.catch(() => undefined);
    if (sinceSync >= writeback) {
      sinceSync = 0;
      const written = writing;
      syncing = Promise.all([syncing, written]).then(() => fh.datasync());
      syncing.catch(() => undefined);
    }
  };
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!(value instanceof Uint8Array)) throw new TypeError('blob source must yield Uint8Array chunks');
      if (value.byteLength === 0) continue;
      size += value.byteLength;
      checkSizeSoFar(expected, size);
      streamedBytes(value.byteLength);
      batch.push(value);
      batched += value.byteLength;
      if (batched >= BATCH) await send();
    }
    if (batched > 0) await send();
    await writing;
    await syncing;
    return size;
  } catch (e) {
    await reader.cancel(e).catch(() => undefined);
    throw e;
  } finally {
    reader.releaseLock();
    await Promise.allSettled([writing, syncing]);
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
