import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Hasher } from '@strata/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collect, makeTempDir, readFixtureBlob, removeTempDir, sha256Hex, snapshotTree, streamOf } from '../testing/fixture-files.js';
import { FsContentStore } from './fs-content-store.js';
import { HashThread } from './hash-thread.js';

const LAYER = '0d733fea8f7dadcc93a60bd80b3b1a2d1d54ff8bed69711bf736915d906f5afe';
const CONFIG = '16ec02b5265e63537cd55b1ed6427db75c9388dec02a4bbda4d06bcf39419156';

let dir: string;
let store: FsContentStore;
beforeEach(async () => {
  dir = await makeTempDir('fs-content');
  store = new FsContentStore(join(dir, 'content'), { tempDir: join(dir, 'tmp') });
});
afterEach(async () => {
  await removeTempDir(dir);
});

describe('FsContentStore', () => {
  it('lays out an OCI image layout on init', async () => {
    await store.init();
    expect(await readFile(join(dir, 'content', 'oci-layout'), 'utf8')).toBe('{"imageLayoutVersion":"1.0.0"}');
    expect(JSON.parse(await readFile(join(dir, 'content', 'index.json'), 'utf8'))).toEqual({ schemaVersion: 2, manifests: [] });
    expect(await readdir(join(dir, 'content', 'blobs', 'sha256'))).toEqual([]);
  });

  it('stores a blob under blobs/sha256/<hex> with exactly its bytes', async () => {
    const layer = await readFixtureBlob(LAYER);
    await store.write(streamOf(layer, 3000));
    expect(store.pathOf(`sha256:${LAYER}`)).toBe(join(dir, 'content', 'blobs', 'sha256', LAYER));
    expect(sha256Hex(await readFile(store.pathOf(`sha256:${LAYER}`)))).toBe(LAYER);
    expect(await readdir(join(dir, 'tmp'))).toEqual([]);
  });

  it('leaves the whole store byte-for-byte unchanged when a write mismatches', async () => {
    const config = await readFixtureBlob(CONFIG);
    await store.write(config);
    await store.writeIndex({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${CONFIG}`, size: config.byteLength }] });
    const before = await snapshotTree(dir);
    const layer = await readFixtureBlob(LAYER);
    const corrupted = layer.slice();
    corrupted[500_000] ^= 0xff;
    await expect(store.write(streamOf(corrupted), { digest: `sha256:${LAYER}`, size: layer.byteLength })).rejects.toThrow(
      `digest mismatch: expected sha256:${LAYER}, got sha256:${sha256Hex(corrupted)}`,
    );
    await expect(store.write(streamOf(layer), { digest: `sha256:${LAYER}`, size: 1000 })).rejects.toThrow(/^size mismatch/);
    await expect(store.write(layer.subarray(0, 10), { digest: `sha256:${LAYER}` })).rejects.toThrow(/^digest mismatch/);
    expect(await snapshotTree(dir)).toEqual(before);
  });

  it('never shows a blob under its final name before it is complete and verified', async () => {
    const layer = await readFixtureBlob(LAYER);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let step = 0;
    const source = new ReadableStream<Uint8Array>({
      async pull(c) {
        step++;
        if (step === 1) c.enqueue(layer.subarray(0, 600_000));
        else if (step === 2) {
          await gate;
          c.enqueue(layer.subarray(600_000));
        } else c.close();
      },
    });
    const writing = store.write(source, { digest: `sha256:${LAYER}` });
    while (step < 2) await new Promise((r) => setTimeout(r, 5));
    expect(await store.has(`sha256:${LAYER}`)).toBe(false);
    expect(await store.list()).toEqual([]);
    expect((await readdir(join(dir, 'tmp'))).length).toBe(1);
    release();
    await writing;
    expect(await store.list()).toEqual([`sha256:${LAYER}`]);
    expect(await readdir(join(dir, 'tmp'))).toEqual([]);
  });

  it('streams a large blob through its buffers intact', async () => {
    const big = new Uint8Array(randomBytes(24 * 1024 * 1024 + 12345));
    const hex = sha256Hex(big);
    const result = await store.write(streamOf(big, 16 * 1024), { digest: `sha256:${hex}`, size: big.byteLength });
    expect(result.size).toBe(big.byteLength);
    expect(sha256Hex(await readFile(store.pathOf(result.digest)))).toBe(hex);
    const back = await collect(await store.read(result.digest));
    expect(back.byteLength).toBe(big.byteLength);
    expect(sha256Hex(back)).toBe(hex);
  });

  it('does not touch the stored file when the same blob is written again', async () => {
    const config = await readFixtureBlob(CONFIG);
    await store.write(config);
    const first = await stat(store.pathOf(`sha256:${CONFIG}`));
    await new Promise((r) => setTimeout(r, 20));
    await store.write(streamOf(config, 100), { digest: `sha256:${CONFIG}` });
    await store.write(config);
    const second = await stat(store.pathOf(`sha256:${CONFIG}`));
    expect(second.ino).toBe(first.ino);
    expect(second.mtimeMs).toBe(first.mtimeMs);
  });

  it('leaves no temp file behind after concurrent writes of one blob', async () => {
    const layer = await readFixtureBlob(LAYER);
    await Promise.all(Array.from({ length: 6 }, () => store.write(streamOf(layer, 50_000))));
    expect(await readdir(join(dir, 'tmp'))).toEqual([]);
    expect(await readdir(join(dir, 'content', 'blobs', 'sha256'))).toEqual([LAYER]);
  });

  it('detects a blob corrupted on disk when reading it', async () => {
    const layer = await readFixtureBlob(LAYER);
    await store.write(layer);
    const onDisk = layer.slice();
    onDisk[1000] ^= 1;
    await writeFile(store.pathOf(`sha256:${LAYER}`), onDisk);
    await expect(store.readBytes(`sha256:${LAYER}`)).rejects.toThrow(`digest mismatch: expected sha256:${LAYER}, got sha256:${sha256Hex(onDisk)}`);
    await expect(collect(await store.read(`sha256:${LAYER}`))).rejects.toThrow(/^digest mismatch/);
    const trusting = new FsContentStore(join(dir, 'content'), { tempDir: join(dir, 'tmp'), verifyOnRead: false });
    expect(sha256Hex(await trusting.readBytes(`sha256:${LAYER}`))).toBe(sha256Hex(onDisk));
  });

  describe('importFile', () => {
    it('moves a verified file in without copying it', async () => {
      const layer = await readFixtureBlob(LAYER);
      await store.init();
      const temp = store.newTempPath('layer');
      expect(temp.startsWith(join(dir, 'tmp') + '/')).toBe(true);
      await writeFile(temp, layer);
      const { ino } = await stat(temp);
      expect(await store.importFile(temp, { digest: `sha256:${LAYER}`, size: layer.byteLength })).toEqual({ digest: `sha256:${LAYER}`, size: layer.byteLength });
      expect((await stat(store.pathOf(`sha256:${LAYER}`))).ino).toBe(ino);
      await expect(stat(temp)).rejects.toMatchObject({ code: 'ENOENT' });
      expect(await readdir(join(dir, 'tmp'))).toEqual([]);
    });

    it('deletes a file that does not match and leaves the store unchanged', async () => {
      const config = await readFixtureBlob(CONFIG);
      await store.write(config);
      const temp = store.newTempPath();
      await writeFile(temp, config.subarray(1));
      const before = await snapshotTree(join(dir, 'content'));
      await expect(store.importFile(temp, { digest: `sha256:${CONFIG}` })).rejects.toThrow(
        `digest mismatch: expected sha256:${CONFIG}, got sha256:${sha256Hex(config.subarray(1))}`,
      );
      await expect(stat(temp)).rejects.toMatchObject({ code: 'ENOENT' });
      expect(await readdir(join(dir, 'tmp'))).toEqual([]);
      expect(await snapshotTree(join(dir, 'content'))).toEqual(before);
      await expect(store.importFile(join(dir, 'nope'))).rejects.toMatchObject({ kind: 'not-found' });
    });
  });

  describe('hashing on a worker thread', () => {
    let thread: HashThread;
    let threaded: FsContentStore;
    beforeEach(() => {
      thread = new HashThread();
      threaded = new FsContentStore(join(dir, 'content'), { tempDir: join(dir, 'tmp'), hashThread: thread });
    });
    afterEach(async () => {
      await thread.terminate();
    });

    it('stores concurrent multi-buffer blobs intact under their digests', async () => {
      const blobs = [0, 1, 2].map((i) => new Uint8Array(randomBytes(9 * 1024 * 1024 + i * 4099)));
      const results = await Promise.all(blobs.map((b, i) => threaded.write(streamOf(b, [65536, 1 << 20, 3000][i]))));
      expect(results).toEqual(blobs.map((b) => ({ digest: `sha256:${sha256Hex(b)}`, size: b.byteLength })));
      for (const b of blobs) expect(sha256Hex(await readFile(threaded.pathOf(`sha256:${sha256Hex(b)}`)))).toBe(sha256Hex(b));
      expect(await readdir(join(dir, 'tmp'))).toEqual([]);
    });

    it('leaves the store byte-for-byte unchanged when the thread finds a digest mismatch', async () => {
      await threaded.init();
      const before = await snapshotTree(dir);
      const good = new Uint8Array(randomBytes(9 * 1024 * 1024));
      const bad = good.slice();
      bad[8 * 1024 * 1024] ^= 1;
      await expect(threaded.write(streamOf(bad), { digest: `sha256:${sha256Hex(good)}`, size: good.byteLength })).rejects.toThrow(
        `digest mismatch: expected sha256:${sha256Hex(good)}, got sha256:${sha256Hex(bad)}`,
      );
      expect(await snapshotTree(dir)).toEqual(before);
    });

    it('fails a write whose hash thread dies midway and leaves nothing behind', async () => {
      await threaded.init();
      const before = await snapshotTree(dir);
      const bytes = new Uint8Array(randomBytes(10 * 1024 * 1024));
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let step = 0;
      const source = new ReadableStream<Uint8Array>({
        async pull(c) {
          step++;
          if (step === 1) c.enqueue(bytes.subarray(0, 5 * 1024 * 1024));
          else if (step === 2) {
            await gate;
            c.enqueue(bytes.subarray(5 * 1024 * 1024));
          } else c.close();
        },
      });
      const writing = threaded.write(source);
      while (step < 2) await new Promise((r) => setTimeout(r, 5));
      await thread.terminate();
      release();
      await expect(writing).rejects.toThrow('hash thread terminated');
      expect(await snapshotTree(dir)).toEqual(before);
      // A new write gets a new thread.
      expect(await threaded.write(streamOf(bytes))).toEqual({ digest: `sha256:${sha256Hex(bytes)}`, size: bytes.byteLength });
    });

    it('verifies multi-chunk reads on the thread: intact bytes pass, a byte changed on disk fails at the end', async () => {
      const bytes = new Uint8Array(randomBytes(5 * 1024 * 1024 + 99));
      const { digest } = await threaded.write(streamOf(bytes));
      expect(sha256Hex(await collect(await threaded.read(digest)))).toBe(sha256Hex(bytes));
      const onDisk = bytes.slice();
      onDisk[4 * 1024 * 1024 + 7] ^= 1;
      await writeFile(threaded.pathOf(digest), onDisk);
      await expect(collect(await threaded.read(digest))).rejects.toThrow(`digest mismatch: expected ${digest}, got sha256:${sha256Hex(onDisk)}`);
    });

    it('fails a read whose hash thread dies midway', async () => {
      const bytes = new Uint8Array(randomBytes(5 * 1024 * 1024));
      const { digest } = await threaded.write(streamOf(bytes));
      const reader = (await threaded.read(digest)).getReader();
      expect((await reader.read()).value?.byteLength).toBe(1 << 20);
      await thread.terminate();
      const rest = (async () => {
        for (;;) if ((await reader.read()).done) return;
      })();
      await expect(rest).rejects.toThrow('hash thread terminated');
    });

    it('starts its thread with the first blob it must hash, not with the store', async () => {
      await threaded.init();
      expect(thread.running).toBe(false);
      const bytes = new Uint8Array(randomBytes(3 * 1024 * 1024));
      const digest = `sha256:${sha256Hex(bytes)}` as const;
      expect(await threaded.write(streamOf(bytes, 65536), { digest, size: bytes.byteLength, verifiedBySource: true })).toEqual({ digest, size: bytes.byteLength });
      expect(thread.running).toBe(false);
      const other = new Uint8Array(randomBytes(3 * 1024 * 1024));
      await threaded.write(streamOf(other, 65536));
      expect(thread.running).toBe(true);
    });

    it('hashes on the main thread when told to', async () => {
      const local = new FsContentStore(join(dir, 'content'), { tempDir: join(dir, 'tmp'), hashThread: false });
      const bytes = new Uint8Array(randomBytes(9 * 1024 * 1024));
      expect(await local.write(streamOf(bytes))).toEqual({ digest: `sha256:${sha256Hex(bytes)}`, size: bytes.byteLength });
      expect(sha256Hex(await readFile(local.pathOf(`sha256:${sha256Hex(bytes)}`)))).toBe(sha256Hex(bytes));
    });
  });

  describe('a source that verifies its own digest (verifiedBySource)', () => {
    /** A node:crypto hasher that counts the bytes it is fed. */
    function countingHasher() {
      const counter = { bytes: 0 };
      const hasher: Hasher = {
        create(algorithm = 'sha256') {
          const h = createHash(algorithm);
          return {
            update(chunk: Uint8Array) {
              counter.bytes += chunk.byteLength;
              h.update(chunk);
            },
            hex: () => h.digest('hex'),
          };
        },
      };
      return { hasher, counter };
    }

    it('stores the bytes under the expected digest without hashing them again', async () => {
      const { hasher, counter } = countingHasher();
      const counted = new FsContentStore(join(dir, 'content'), { tempDir: join(dir, 'tmp'), hasher });
      const layer = await readFixtureBlob(LAYER);
      const expected = { digest: `sha256:${LAYER}` as const, size: layer.byteLength };
      expect(await counted.write(streamOf(layer, 3000), { ...expected, verifiedBySource: true })).toEqual(expected);
      expect(counter.bytes).toBe(0);
      expect(sha256Hex(await readFile(counted.pathOf(expected.digest)))).toBe(LAYER);
      expect(await readdir(join(dir, 'tmp'))).toEqual([]);
      // Without the flag the same write is hashed: the store does not take a digest on trust.
      await counted.delete(expected.digest);
      await counted.write(streamOf(layer, 3000), expected);
      expect(counter.bytes).toBe(layer.byteLength);
    });

    it('still counts the size: too many or too few bytes leave the store unchanged', async () => {
      await store.init();
      const before = await snapshotTree(dir);
      const layer = await readFixtureBlob(LAYER);
      const digest = `sha256:${LAYER}` as const;
      await expect(store.write(streamOf(layer), { digest, size: layer.byteLength - 1, verifiedBySource: true })).rejects.toThrow(
        `size mismatch: expected ${layer.byteLength - 1} bytes, got more than that`,
      );
      await expect(store.write(streamOf(layer.subarray(0, 1000)), { digest, size: layer.byteLength, verifiedBySource: true })).rejects.toThrow(
        `size mismatch: expected ${layer.byteLength} bytes, got 1000 bytes`,
      );
      expect(await snapshotTree(dir)).toEqual(before);
    });

    it('leaves the store unchanged when the source errors at its end (its own digest check failed)', async () => {
      await store.init();
      const before = await snapshotTree(dir);
      const bytes = new Uint8Array(randomBytes(5 * 1024 * 1024));
      let sent = false;
      const source = new ReadableStream<Uint8Array>({
        pull(c) {
          if (sent) return c.error(new Error('filesystem layer verification failed'));
          sent = true;
          c.enqueue(bytes);
        },
      });
      const digest = `sha256:${'0'.repeat(64)}` as const;
      await expect(store.write(source, { digest, size: bytes.byteLength, verifiedBySource: true })).rejects.toThrow('filesystem layer verification failed');
      expect(await snapshotTree(dir)).toEqual(before);
    });

    it('is hashed as any source when the expectation lacks a size', async () => {
      await store.init();
      const before = await snapshotTree(dir);
      const bytes = new Uint8Array(randomBytes(2 * 1024 * 1024));
      const wrong = `sha256:${'0'.repeat(64)}` as const;
      await expect(store.write(streamOf(bytes), { digest: wrong, verifiedBySource: true })).rejects.toThrow(
        `digest mismatch: expected ${wrong}, got sha256:${sha256Hex(bytes)}`,
      );
      expect(await snapshotTree(dir)).toEqual(before);
    });
  });
});
