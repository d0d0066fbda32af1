import { describe, expect, it } from 'vitest';
import { collect, fixtureImages, readFixture, streamOf } from '../../test-support/node.js';
import { freshHeaderBlocks, readTar, tarEntry } from './index.js';

const concat = (blocks: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(blocks.reduce((n, b) => n + b.length, 0));
  let o = 0;
  for (const b of blocks) {
    out.set(b, o);
    o += b.length;
  }
  return out;
};

describe('freshHeaderBlocks', () => {
  it('writes the header bytes Go wrote for every ustar entry of the fixtures', async () => {
    let compared = 0;
    for (const image of fixtureImages) for await (const outer of readTar(streamOf(readFixture(`images/${image}/image.tar`)))) {
      if (!outer.path.endsWith('/layer.tar')) {
        await outer.body.cancel();
        continue;
      }
      for await (const e of readTar(streamOf(await collect(outer.body)))) {
        await e.body.cancel();
        // GNU headers (long-name blocks) come from other writers than Go's archive/tar.
        if (e.format === 'gnu') continue;
        expect(concat(freshHeaderBlocks(e)), e.path).toEqual(e.raw!.header);
        compared++;
      }
    }
    // 01-base came from `docker import` of a GNU tar; the six built images are Go's.
    expect(compared).toBeGreaterThan(50);
  });

  it('writes entries that do not fit a plain ustar block with PAX records or a prefix, and they read back', async () => {
    const cases = [
      tarEntry({ path: 'frac', type: 'file', mtime: 1700000000.5 }),
      tarEntry({ path: 'bigid', type: 'file', uid: 8 ** 7 }),
      tarEntry({ path: 'longuser', type: 'file', uname: 'u'.repeat(33) }),
      tarEntry({ path: 'caf\u00e9', type: 'file' }),
      tarEntry({ path: `${'d'.repeat(60)}/${'n'.repeat(60)}`, type: 'file' }),
      tarEntry({ path: `dir/${'n'.repeat(120)}`, type: 'file' }),
    ];
    const trailer = new Uint8Array(1024);
    const decoded = [];
    for await (const e of readTar(streamOf(concat([...cases.flatMap((c) => freshHeaderBlocks(c)), trailer])))) {
      await e.body.cancel();
      decoded.push({ path: e.path, uid: e.uid, uname: e.uname, mtime: e.mtime });
    }
    expect(decoded).toEqual(cases.map((c) => ({ path: c.path, uid: c.uid, uname: c.uname, mtime: c.mtime })));
    expect(cases.map((c) => freshHeaderBlocks(c).length)).toEqual([4, 4, 4, 4, 1, 4]);
    expect(freshHeaderBlocks(tarEntry({ path: 'plain', type: 'file', mtime: 1700000000 }))).toHaveLength(1);
  });
});
