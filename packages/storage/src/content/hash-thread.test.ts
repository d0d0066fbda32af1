import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { readFixtureBlob } from '../testing/fixture-files.js';
import { HashThread } from './hash-thread.js';

const LAYER = '0d733fea8f7dadcc93a60bd80b3b1a2d1d54ff8bed69711bf736915d906f5afe';

let thread: HashThread;
afterEach(async () => {
  await thread.terminate();
});

/** Feed `bytes` to `update` in `piece`-sized steps through two alternating shared buffers. */
async function feed(update: (b: SharedArrayBuffer, n: number) => Promise<void>, bytes: Uint8Array, piece: number) {
  const buffers = [new SharedArrayBuffer(piece), new SharedArrayBuffer(piece)];
  for (let o = 0, i = 0; o < bytes.byteLength; o += piece, i ^= 1) {
    const part = bytes.subarray(o, o + piece);
    new Uint8Array(buffers[i]).set(part);
    await update(buffers[i], part.byteLength);
  }
}

describe('HashThread', () => {
  it('computes the digests node:crypto computes, for two hashes fed at the same time', async () => {
    thread = new HashThread();
    const layer = await readFixtureBlob(LAYER);
    const a = thread.create('sha256');
    const b = thread.create('sha512');
    await Promise.all([feed(a.update, layer, 100_000), feed(b.update, layer, 77_777)]);
    expect(await a.hex()).toBe(LAYER);
    expect(await b.hex()).toBe(createHash('sha512').update(layer).digest('hex'));
    expect(await thread.create('sha256').hex()).toBe(createHash('sha256').digest('hex'));
  });

  it('rejects a request the thread fails on, and goes on serving other hashes', async () => {
    thread = new HashThread();
    const bad = thread.create('no-such-digest' as 'sha256');
    await expect(bad.update(new SharedArrayBuffer(8), 8)).rejects.toThrow(/^hash thread: .*digest/i);
    const good = thread.create('sha256');
    const bytes = new TextEncoder().encode('hello');
    await feed(good.update, bytes, 4);
    expect(await good.hex()).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('fails the hashes of a thread that stopped, even later ones, and starts a new thread for new hashes', async () => {
    thread = new HashThread();
    const hash = thread.create('sha256');
    await hash.update(new SharedArrayBuffer(16), 16);
    // Big enough that the thread cannot finish it before it is stopped, even on a loaded machine (1 MiB could).
    const inFlight = hash.update(new SharedArrayBuffer(256 << 20), 256 << 20);
    await thread.terminate();
    await expect(inFlight).rejects.toThrow('hash thread terminated');
    // The hash's state died with its thread: going on with a new thread would give a wrong digest.
    await expect(hash.update(new SharedArrayBuffer(16), 16)).rejects.toThrow('hash thread terminated');
    await expect(hash.hex()).rejects.toThrow('hash thread terminated');
    const fresh = thread.create('sha256');
    await fresh.update(new SharedArrayBuffer(16), 16);
    expect(await fresh.hex()).toBe(createHash('sha256').update(new Uint8Array(16)).digest('hex'));
  });
  it('stops when no hash has been in progress for its idle time, never while one is, and starts again for the next', async () => {
    thread = new HashThread(50);
    const hash = thread.create('sha256');
    await hash.update(new SharedArrayBuffer(16), 16);
    // Longer than the idle time: a hash in progress keeps the thread.
    await new Promise((r) => setTimeout(r, 300));
    expect(thread.running).toBe(true);
    expect(await hash.hex()).toBe(createHash('sha256').update(new Uint8Array(16)).digest('hex'));
    await expect.poll(() => thread.running, { timeout: 10_000 }).toBe(false);
    const next = thread.create('sha256');
    expect(thread.running).toBe(true);
    next.abandon();
    await expect.poll(() => thread.running, { timeout: 10_000 }).toBe(false);
    // Started ahead of a hash that never comes, it stops as well.
    thread.start();
    await expect.poll(() => thread.running, { timeout: 10_000 }).toBe(false);
  });
});
