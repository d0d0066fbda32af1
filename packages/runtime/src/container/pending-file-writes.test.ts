import { describe, expect, it } from 'vitest';
import { PendingFileWrites } from './pending-file-writes.js';

/** A promise with its resolve and reject at hand. */
function deferred() {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('PendingFileWrites', () => {
  it('lets `limit` writes run and makes the next wait for room', async () => {
    const writes = new PendingFileWrites(2);
    const [a, b] = [deferred(), deferred()];
    await writes.room();
    writes.track(a.promise);
    await writes.room();
    writes.track(b.promise);
    let roomy = false;
    const third = writes.room().then(() => (roomy = true));
    await new Promise((r) => setImmediate(r));
    expect(roomy).toBe(false);
    b.resolve();
    await third;
    expect(roomy).toBe(true);
    a.resolve();
    await writes.drain();
  });

  it('throws the first failure from check, room and drain, and drain waits for every write first', async () => {
    const writes = new PendingFileWrites(4);
    const [a, b] = [deferred(), deferred()];
    writes.track(a.promise);
    writes.track(b.promise);
    a.reject(new Error('EIO: first'));
    await new Promise((r) => setImmediate(r));
    expect(() => writes.check()).toThrow('EIO: first');
    await expect(writes.room()).rejects.toThrow('EIO: first');
    let drained = false;
    const draining = writes.drain().finally(() => (drained = true));
    await new Promise((r) => setImmediate(r));
    expect(drained).toBe(false);
    b.reject(new Error('EIO: second'));
    await expect(draining).rejects.toThrow('EIO: first');
  });
});
