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
