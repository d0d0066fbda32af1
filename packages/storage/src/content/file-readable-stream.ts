import type { FileHandle } from 'node:fs/promises';
import type { Digest, Hasher } from '@strata/core';
import { invalid } from '@strata/core';

const READ_CHUNK = 1 << 20;

/**
 * A Web ReadableStream over an open file, read in 1 MiB chunks on demand; the handle is
 * closed at the end, on error and on cancel. With `verify`, the bytes are hashed on the way
 * and a mismatch errors the stream at its end instead of closing it.
 */
export function fileReadableStream(
  fh: FileHandle,
  size: number,
  verify?: { hasher: Hasher; digest: Digest },
): ReadableStream<Uint8Array> {
  const algorithm = verify?.digest.startsWith('sha512:') ? 'sha512' : 'sha256';
  const hash = verify?.hasher.create(algorithm);
  let position = 0;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await fh.close();
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const want = Math.min(READ_CHUNK, Math.max(size - position, 64 * 1024));
        const buf = new Uint8Array(want);
        const { bytesRead } = await fh.read(buf, 0, want, position);
        if (bytesRead === 0) {
          await close();
          if (verify && hash) {
            const got = `${algorithm}:${hash.hex()}`;
            if (got !== verify.digest) throw invalid(`digest mismatch: expected ${verify.digest}, got ${got}`);
          }
          controller.close();
          return;
        }
        position += bytesRead;
        const chunk = bytesRead === want ? buf : buf.subarray(0, bytesRead);
        hash?.update(chunk);
        controller.enqueue(chunk);
      } catch (e) {
        await close().catch(() => undefined);
        controller.error(e);
      }
    },
    cancel: close,
  });
}
