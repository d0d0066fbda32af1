import { randomBytes } from 'node:crypto';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeBodyTo } from './file-body-write.js';

/** A stream of `bytes` cut into chunks of the given sizes, repeated until the bytes run out. */
function chunked(bytes: Uint8Array, sizes: number[]): ReadableStream<Uint8Array> {
  let offset = 0;
  let i = 0;
  return new ReadableStream({
    pull(c) {
      if (offset >= bytes.byteLength) return c.close();
      const n = sizes[i++ % sizes.length]!;
      c.enqueue(bytes.subarray(offset, offset + n));
      offset += n;
    },
  });
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-body-write-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeBodyTo', () => {
  it('writes every byte in order, whatever the chunking (empty chunks, odd sizes, bigger than a batch)', async () => {
    const bytes = new Uint8Array(randomBytes(5 * 1024 * 1024 + 13));
    for (const sizes of [[65536], [1, 0, 4093, 70_000], [3 * 1024 * 1024]]) {
      const path = join(dir, `f-${sizes.join('-')}`);
      const fh = await open(path, 'wx');
      try {
        expect(await writeBodyTo(fh, chunked(bytes, sizes))).toBe(bytes.byteLength);
      } finally {
        await fh.close();
      }
      expect(Buffer.compare(await readFile(path), bytes)).toBe(0);
    }
  });

  it('an empty body writes nothing', async () => {
    const fh = await open(join(dir, 'empty'), 'wx');
    try {
      expect(await writeBodyTo(fh, chunked(new Uint8Array(0), [1]))).toBe(0);
    } finally {
      await fh.close();
    }
    expect((await readFile(join(dir, 'empty'))).byteLength).toBe(0);
  });

  it('fails with the stream\'s error, and with the write\'s when the file refuses the bytes', async () => {
    const fh = await open(join(dir, 'broken'), 'wx');
    let sent = 0;
    const failing = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent++ < 20) c.enqueue(new Uint8Array(65536));
        else c.error(new Error('client went away'));
      },
    });
    try {
      await expect(writeBodyTo(fh, failing)).rejects.toThrow('client went away');
    } finally {
      await fh.close();
    }
    const readOnly = await open(join(dir, 'broken'), 'r');
    let cancelled: unknown;
    const body = new ReadableStream<Uint8Array>({
      pull: (c) => c.enqueue(new Uint8Array(1 << 20)),
      cancel: (reason) => void (cancelled = reason),
    });
    try {
      await expect(writeBodyTo(readOnly, body)).rejects.toThrow(/EBADF/);
    } finally {
      await readOnly.close();
    }
    expect((cancelled as NodeJS.ErrnoException).code).toBe('EBADF');
  });
});
