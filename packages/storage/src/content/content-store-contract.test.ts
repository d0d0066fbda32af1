// The semantics every ContentStore adapter shares, run against the filesystem and the memory one.
import { afterEach, describe, expect, it } from 'vitest';
import { isStrataError, type ContentStore } from '@strata/core';
import { MemoryContentStore } from '../memory/memory-content-store.js';
import { collect, makeTempDir, readFixtureBlob, removeTempDir, sha256Hex, streamOf } from '../testing/fixture-files.js';
import { FsContentStore } from './fs-content-store.js';

const LAYER = '0d733fea8f7dadcc93a60bd80b3b1a2d1d54ff8bed69711bf736915d906f5afe';
const CONFIG = '16ec02b5265e63537cd55b1ed6427db75c9388dec02a4bbda4d06bcf39419156';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map(removeTempDir));
});

const adapters: Array<[string, () => Promise<ContentStore>]> = [
  ['FsContentStore', async () => {
    const dir = await makeTempDir('contract');
    dirs.push(dir);
    return new FsContentStore(dir);
  }],
  ['MemoryContentStore', async () => new MemoryContentStore()],
];

describe.each(adapters)('%s', (_name, make) => {
  it('stores a real gzip layer streamed in odd chunks and gives the same bytes back', async () => {
    const store = await make();
    const layer = await readFixtureBlob(LAYER);
    const result = await store.write(streamOf(layer, 7_777), { digest: `sha256:${LAYER}`, size: layer.byteLength });
    expect(result).toEqual({ digest: `sha256:${LAYER}`, size: 1_083_829 });
    expect(await store.has(`sha256:${LAYER}`)).toBe(true);
    expect(await store.size(`sha256:${LAYER}`)).toBe(1_083_829);
    const back = await collect(await store.read(`sha256:${LAYER}`));
    expect(sha256Hex(back)).toBe(LAYER);
    expect(sha256Hex(await store.readBytes(`sha256:${LAYER}`))).toBe(LAYER);
  });

  it('computes the digest when none is expected', async () => {
    const store = await make();
    const config = await readFixtureBlob(CONFIG);
    expect(await store.write(config)).toEqual({ digest: `sha256:${CONFIG}`, size: config.byteLength });
    expect(await store.list()).toEqual([`sha256:${CONFIG}`]);
  });

  it('rejects a digest mismatch with Docker-like wording and stores nothing', async () => {
    const store = await make();
    const config = await readFixtureBlob(CONFIG);
    const wrong = `sha256:${LAYER}`;
    const err = await store.write(streamOf(config, 100), { digest: wrong }).catch((e: unknown) => e);
    expect(isStrataError(err, 'invalid')).toBe(true);
    expect((err as Error).message).toBe(`digest mismatch: expected ${wrong}, got sha256:${CONFIG}`);
    expect(await store.has(wrong)).toBe(false);
    expect(await store.has(`sha256:${CONFIG}`)).toBe(false);
    expect(await store.list()).toEqual([]);
  });

  it('rejects a size mismatch, too short or too long', async () => {
    const store = await make();
    const config = await readFixtureBlob(CONFIG);
    await expect(store.write(config, { size: config.byteLength + 1 })).rejects.toThrow(
      `size mismatch: expected ${config.byteLength + 1} bytes, got ${config.byteLength} bytes`,
    );
    await expect(store.write(streamOf(config, 1000), { size: 1500 })).rejects.toThrow(/^size mismatch: expected 1500 bytes/);
    expect(await store.list()).toEqual([]);
  });

  it('fails a write whose source stream errors and keeps nothing of it', async () => {
    const store = await make();
    const config = await readFixtureBlob(CONFIG);
    let sent = false;
    const source = new ReadableStream<Uint8Array>({
      pull(c) {
        if (!sent) {
          sent = true;
          c.enqueue(config.slice(0, 1000));
        } else c.error(new Error('connection reset'));
      },
    });
    await expect(store.write(source)).rejects.toThrow('connection reset');
    expect(await store.list()).toEqual([]);
  });

  it('says not-found for an absent blob and rejects malformed digests', async () => {
    const store = await make();
    const absent = `sha256:${CONFIG}`;
    await expect(store.readBytes(absent)).rejects.toMatchObject({ kind: 'not-found', message: `content digest ${absent}: not found` });
    await expect(store.read(absent)).rejects.toMatchObject({ kind: 'not-found' });
    expect(await store.size(absent)).toBeUndefined();
    await expect(store.has('sha256:../../../etc/passwd')).rejects.toMatchObject({ kind: 'invalid' });
    await expect(store.write(new Uint8Array(1), { digest: 'sha256:abc' })).rejects.toMatchObject({ kind: 'invalid' });
  });

  it('writes an existing blob again as a no-op and deletes idempotently', async () => {
    const store = await make();
    const config = await readFixtureBlob(CONFIG);
    await store.write(config);
    expect(await store.write(streamOf(config, 64), { digest: `sha256:${CONFIG}` })).toEqual({ digest: `sha256:${CONFIG}`, size: 2871 });
    // Even when the blob exists, bytes that do not match are refused.
    await expect(store.write(config.slice(1), { digest: `sha256:${CONFIG}` })).rejects.toThrow(/size mismatch|digest mismatch/);
    expect(await store.list()).toEqual([`sha256:${CONFIG}`]);
    await store.delete(`sha256:${CONFIG}`);
    await store.delete(`sha256:${CONFIG}`);
    expect(await store.has(`sha256:${CONFIG}`)).toBe(false);
  });

  it('keeps index.json: empty until written, then exactly what was written', async () => {
    const store = await make();
    expect(await store.readIndex()).toEqual({ schemaVersion: 2, manifests: [] });
    const index = {
      schemaVersion: 2 as const,
      manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${CONFIG}`, size: 2871, annotations: { 'org.opencontainers.image.ref.name': 'x' } }],
    };
    await store.writeIndex(index);
    expect(await store.readIndex()).toEqual(index);
  });

  it('lets concurrent writers of the same blob all succeed with one copy', async () => {
    const store = await make();
    const layer = await readFixtureBlob(LAYER);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => store.write(streamOf(layer, 4096 + i * 1000), { digest: `sha256:${LAYER}` })),
    );
    for (const r of results) expect(r).toEqual({ digest: `sha256:${LAYER}`, size: layer.byteLength });
    expect(await store.list()).toEqual([`sha256:${LAYER}`]);
    expect(sha256Hex(await store.readBytes(`sha256:${LAYER}`))).toBe(LAYER);
  });
});
