// The semantics every MetadataStore adapter shares, run against the filesystem and the memory one.
import { afterEach, describe, expect, it } from 'vitest';
import type { MetadataStore } from '@strata/core';
import { MemoryMetadataStore } from '../memory/memory-metadata-store.js';
import { makeTempDir, removeTempDir } from '../testing/fixture-files.js';
import { FsMetadataStore } from './fs-metadata-store.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map(removeTempDir));
});

const adapters: Array<[string, () => Promise<MetadataStore>]> = [
  ['FsMetadataStore', async () => {
    const dir = await makeTempDir('metadata');
    dirs.push(dir);
    return new FsMetadataStore(dir);
  }],
  ['MemoryMetadataStore', async () => new MemoryMetadataStore()],
];

describe.each(adapters)('%s', (_name, make) => {
  it('puts, gets, overwrites and deletes records by any key', async () => {
    const store = await make();
    const key = 'docker.io/library/busybox:local';
    expect(await store.get('tags', key)).toBeUndefined();
    await store.put('tags', key, { id: 'sha256:1711673fe39b', created: 1 });
    expect(await store.get('tags', key)).toEqual({ id: 'sha256:1711673fe39b', created: 1 });
    await store.put('tags', key, { id: 'sha256:16ec02b5265e', created: 2 });
    expect(await store.get('tags', key)).toEqual({ id: 'sha256:16ec02b5265e', created: 2 });
    await store.delete('tags', key);
    await store.delete('tags', key);
    expect(await store.get('tags', key)).toBeUndefined();
  });

  it('keeps bytes records beside JSON ones: written from parts, read whole, never listed', async () => {
    const store = await make();
    expect(await store.getBytes!('layer-index', 'abc')).toBeUndefined();
    const big = new Uint8Array(300_000).map((_, i) => i % 251);
    const parts = [new Uint8Array([1, 2, 3]), new Uint8Array(0), big, ...Array.from({ length: 1500 }, (_, i) => new Uint8Array([i & 0xff]))];
    await store.putBytes!('layer-index', 'abc', parts);
    await store.put('layer-index', 'json-one', { n: 1 });
    const back = await store.getBytes!('layer-index', 'abc');
    expect(back!.byteLength).toBe(3 + 300_000 + 1500);
    expect([...back!.subarray(0, 3)]).toEqual([1, 2, 3]);
    expect(back!.subarray(3, 300_003)).toEqual(big);
    expect(back![300_003 + 1499]).toBe(1499 & 0xff);
    expect(await store.list('layer-index')).toEqual([['json-one', { n: 1 }]]);
    back![0] = 99;
    expect((await store.getBytes!('layer-index', 'abc'))![0]).toBe(1);
    await store.deleteBytes!('layer-index', 'abc');
    await store.deleteBytes!('layer-index', 'abc');
    expect(await store.getBytes!('layer-index', 'abc')).toBeUndefined();
    expect(await store.get('layer-index', 'json-one')).toEqual({ n: 1 });
  });

  it('returns copies shaped as JSON (no aliasing, undefined fields dropped)', async () => {
    const store = await make();
    const value = { a: [1, 2], b: undefined as string | undefined };
    await store.put('images', 'x', value);
    value.a.push(3);
    expect(await store.get('images', 'x')).toEqual({ a: [1, 2] });
    expect(Object.keys((await store.get<object>('images', 'x'))!)).toEqual(['a']);
  });

  it('lists one namespace with the original keys', async () => {
    const store = await make();
    expect(await store.list('layers')).toEqual([]);
    await store.put('layers', 'sha256:aa', 1);
    await store.put('layers', '../escape', 2);
    await store.put('layers', 'plain', 3);
    await store.put('other', 'sha256:aa', 4);
    const listed = (await store.list<number>('layers')).sort((x, y) => x[1] - y[1]);
    expect(listed).toEqual([['sha256:aa', 1], ['../escape', 2], ['plain', 3]]);
  });

  it('rejects namespaces that are not a plain folder name', async () => {
    const store = await make();
    for (const ns of ['', '../x', 'a/b', '.tmp']) {
      await expect(store.put(ns, 'k', 1)).rejects.toMatchObject({ kind: 'invalid' });
    }
    await expect(store.put('tags', '', 1)).rejects.toMatchObject({ kind: 'invalid' });
  });
});
