import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { collect, fixtureImages, fixturesDir, nodeHasher, readFixture, streamOf } from '../../test-support/node.js';
import type { Digest } from '../digest/index.js';
import { chainId, chainIds, diffId, readTar, writeTar } from './index.js';

describe.each(fixtureImages)('layer IDs of %s', (image) => {
  it('diffId streams each layer.tar to its diff_id; chainIds gives the chainIDs of digests.json', async () => {
    const digests = JSON.parse(readFileSync(join(fixturesDir, 'images', image, 'digests.json'), 'utf8')).images[0] as {
      diff_ids: Digest[];
      chainIDs: Digest[];
      layers: Array<{ path: string }>;
    };
    const byPath = new Map<string, Digest>();
    for await (const e of readTar(streamOf(readFixture(`images/${image}/image.tar`)))) {
      if (e.path.endsWith('/layer.tar')) byPath.set(e.path, await diffId(e.body, nodeHasher));
    }
    const diffIds = digests.layers.map((l) => byPath.get(l.path)!);
    expect(diffIds).toEqual(digests.diff_ids);
    expect(chainIds(diffIds, nodeHasher)).toEqual(digests.chainIDs);
    expect(chainId(diffIds, nodeHasher)).toBe(digests.chainIDs.at(-1));
  });
});

describe('layer IDs', () => {
  it('the empty layer (two zero blocks) has the diffID image-format.md gives for it', async () => {
    const doc = readFileSync(join(fixturesDir, '../docs/image-format.md'), 'utf8');
    const documented = /empty tar \(1024 zero bytes\) has diffID\s+`(sha256:[0-9a-f]{64})`/.exec(doc)![1];
    const empty = await collect(writeTar([], { mode: 'fresh' }));
    expect(empty.length).toBe(1024);
    expect(await diffId(streamOf(empty), nodeHasher)).toBe(documented);
  });

  it('rejects malformed diffIDs and has no chain for no layers', () => {
    expect(() => chainIds(['sha256:abc'], nodeHasher)).toThrow(expect.objectContaining({ kind: 'invalid' }));
    expect(chainIds([], nodeHasher)).toEqual([]);
    expect(chainId([], nodeHasher)).toBeUndefined();
  });
});
