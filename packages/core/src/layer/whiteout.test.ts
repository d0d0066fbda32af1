import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { collect, fixturesDir, readFixture, streamOf } from '../../test-support/node.js';
import {
  isAufsMetadata,
  isOpaque,
  isWhiteout,
  makeOpaque,
  makeWhiteout,
  opaqueDirectory,
  readTar,
  tarEntry,
  whiteoutTarget,
  writeTar,
} from './index.js';

/** Header names of every layer of a fixture image, decoded with our reader. */
async function entryNames(image: string): Promise<string[]> {
  const names: string[] = [];
  for await (const outer of readTar(streamOf(readFixture(`images/${image}/image.tar`)))) {
    if (!outer.path.endsWith('/layer.tar')) continue;
    for await (const e of readTar(streamOf(await collect(outer.body)))) names.push(e.path);
  }
  return names;
}

/** The markers tools/analyze.py put in layers.txt: `<-- WHITEOUT of X` and `<-- OPAQUE marker`. */
function listedMarkers(image: string): { whiteouts: string[]; opaque: string[] } {
  const lines = readFileSync(join(fixturesDir, 'images', image, 'layers.txt'), 'utf8').split('\n');
  return {
    whiteouts: lines.flatMap((l) => /<-- WHITEOUT of (.*)$/.exec(l)?.[1] ?? []),
    opaque: lines.flatMap((l) => (l.includes('<-- OPAQUE marker') ? [/ (\S+\/\.wh\.\.wh\.\.opq)/.exec(l)![1]] : [])),
  };
}

describe.each(['02-whiteout', '03-opaque'])('whiteouts of fixture %s', (image) => {
  it('are found and resolved as layers.txt marks them', async () => {
    const names = await entryNames(image);
    const want = listedMarkers(image);
    expect(want.whiteouts.length + want.opaque.length).toBeGreaterThan(0);
    expect(names.filter(isWhiteout).map(whiteoutTarget)).toEqual(want.whiteouts);
    expect(names.filter(isOpaque)).toEqual(want.opaque);
    expect(names.filter(isAufsMetadata)).toEqual([]);
    for (const target of want.whiteouts) expect(names).toContain(makeWhiteout(target));
    for (const marker of want.opaque) expect(makeOpaque(opaqueDirectory(marker))).toBe(marker);
  });
});

describe('whiteout names', () => {
  it('map paths to whiteouts and back', () => {
    expect(makeWhiteout('data/subdir')).toBe('data/.wh.subdir');
    expect(makeWhiteout('./top/')).toBe('.wh.top');
    expect(whiteoutTarget('./data/.wh.remove-me.txt')).toBe('data/remove-me.txt');
    expect(makeOpaque('config/')).toBe('config/.wh..wh..opq');
    expect(makeOpaque('.')).toBe('.wh..wh..opq');
    expect(opaqueDirectory('.wh..wh..opq')).toBe('.');
  });

  it('keep the opaque marker, AUFS metadata and ordinary names apart', () => {
    expect([isWhiteout('a/.wh..wh..opq'), isOpaque('a/.wh..wh..opq'), isAufsMetadata('a/.wh..wh..opq')]).toEqual([false, true, false]);
    for (const aufs of ['.wh..wh.plnk', '.wh..wh.plnk/123.456', '.wh..wh.aufs', '.wh..wh.orph/']) {
      expect([isWhiteout(aufs), isOpaque(aufs), isAufsMetadata(aufs)]).toEqual([false, false, true]);
    }
    expect([isWhiteout('a/b.wh.c'), isWhiteout('a/.whx'), isOpaque('a/b')]).toEqual([false, false, false]);
  });

  it('reject `.wh.` without a name, the root, and hostile paths', () => {
    expect(isWhiteout('dir/.wh.')).toBe(true);
    expect(() => whiteoutTarget('dir/.wh.')).toThrow(expect.objectContaining({ kind: 'invalid', message: expect.stringMatching(/no name after \.wh\./) }));
    expect(() => whiteoutTarget('dir/file')).toThrow(expect.objectContaining({ kind: 'invalid' }));
    expect(() => makeWhiteout('./')).toThrow(expect.objectContaining({ kind: 'invalid' }));
    expect(() => isWhiteout('../.wh.x')).toThrow(expect.objectContaining({ kind: 'invalid' }));
  });

  it('built with tarEntry, encode as Docker writes them (mode 0600 without type bits, fixture 02)', async () => {
    const fromDocker = new Map<string, number>();
    for await (const outer of readTar(streamOf(readFixture('images/02-whiteout/image.tar')))) {
      if (!outer.path.endsWith('/layer.tar')) continue;
      for await (const e of readTar(streamOf(await collect(outer.body)))) if (isWhiteout(e.path)) fromDocker.set(e.path, e.rawMode);
    }
    const ours = tarEntry({ path: makeWhiteout('data/remove-me.txt'), type: 'file', mode: 0o600 });
    expect(fromDocker.get(ours.path)).toBe(ours.rawMode);
    const bytes = await collect(writeTar([ours], { mode: 'fresh' }));
    expect(new TextDecoder().decode(bytes.subarray(100, 108))).toBe(`${ours.rawMode.toString(8).padStart(7, '0')}\0`);
  });
});
