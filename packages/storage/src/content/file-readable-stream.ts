import type { FileHandle } from 'node:fs/promises';
import type { Digest, Hasher } from '@strata/core';
import { invalid } from '@strata/core';
import type { HashThread, ThreadHash } from './hash-thread.js';

const READ_CHUNK = 1 << 20;

/**
 * A Web ReadableStream over an open file, read in 1 MiB chunks on demand; the handle is
 * closed at the end, on error and on cancel. With `verify`, the bytes are hashed on the way
 * and a mismatch errors the stream at its end instead of closing it. With `verify.thread` (and a
 * file bigger than one chunk) the chunks are shared memory hashed on that thread, in order, while
 * the consumer already has them; they must not be changed.
 */
export function fileReadableStream(
  fh: FileHandle,
  size: number,
  verify?: { hasher: Hasher; digest: Digest; thread?: HashThread },
): ReadableStream<Uint8Array> {
  const algorithm = verify?.digest.startsWith('sha512:') ? 'sha512' : 'sha256';
  const threadHash: ThreadHash | undefined = verify?.thread && size > READ_CHUNK ? verify.thread.create(algorithm) : undefined;
  const hash = threadHash ? undefined : verify?.hasher.create(algorithm);
  // Updates run in order on the thread; only the last one needs awaiting, and every one is observed.
  let hashed: Promise<void> = Promise.resolve();
  let position = 0;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await fh.close();
  };
  const abandon = async () => {
    threadHash?.abandon();
    await hashed.catch(() => undefined);
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const want = Math.min(READ_CHUNK, Math.max(size - position, 64 * 1024));
        const buf = threadHash ? new Uint8Array(new SharedArrayBuffer(want)) : new Uint8Array(want);
        const { bytesRead } = await fh.read(buf, 0, want, position);
        if (bytesRead === 0) {
          await close();
          if (verify && (hash || threadHash)) {
            await hashed;
            const got = `${algorithm}:${hash ? hash.hex() : await threadHash!.hex()}`;
            if (got !== verify.digest) throw invalid(`digest mismatch: expected ${verify.digest}, got ${got}`);
          }
          controller.close();
          return;
        }
        position += bytesRead;
        const chunk = bytesRead === want ? buf : buf.subarray(0, bytesRead);
        if (threadHash) {
          const update = threadHash.update(buf.buffer as SharedArrayBuffer, bytesRead);
          // When an earlier update failed, `then` never looks at this one: observe it on its own too.
          update.catch(() => undefined);
          hashed = hashed.then(() => update);
          // Observed now, awaited at the end: a failure must not surface as an unhandled rejection.
          hashed.catch(() => undefined);
        } else hash?.update(chunk);
        controller.enqueue(chunk);
      } catch (e) {
        await close().catch(() => undefined);
        await abandon();
        controller.error(e);
      }
    },
    cancel: async () => {
      await close();
      await abandon();
    },
  });
}
