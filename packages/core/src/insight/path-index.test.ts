import { describe, expect, it } from 'vitest';
import { NONE, NameKind, PathIndex, ROOT } from './path-index.js';

describe('PathIndex', () => {
  it('interns parents first and knows whiteouts, opaque markers and AUFS metadata by name', () => {
    const index = new PathIndex();
    const x = index.intern('a/b/.wh.x');
    expect(index.paths).toEqual(['.', 'a', 'a/b', 'a/b/.wh.x']);
    expect(index.parent(x)).toBe(index.idOf('a/b'));
    expect(index.parent(index.idOf('a')!)).toBe(ROOT);
    expect(index.parent(ROOT)).toBe(NONE);
    expect(index.nameKind(x)).toBe(NameKind.whiteout);
    expect(index.nameKind(index.intern('a/.wh..wh..opq'))).toBe(NameKind.opaque);
    expect(index.nameKind(index.intern('.wh..wh.plnk'))).toBe(NameKind.meta);
    expect(index.nameKind(index.intern('a/.whale'))).toBe(NameKind.plain);
    expect(index.whiteoutTargetId(x)).toBeUndefined();
    const target = index.intern('a/b/x');
    expect(index.whiteoutTargetId(x)).toBe(target);
  });

  it("sorts by path exactly as JavaScript's string order does, from the tree", () => {
    const paths = ['a', 'a/b', 'a-b', 'a-b/c', 'a.b', 'a/b/c', 'a/b-c', 'a/b.c', 'a0', 'A', 'é', 'é/z', 'z/ä/1', 'z/a/1', 'z/a', 'b/', 'a/!'];
    const index = new PathIndex();
    const ids = paths.map((p) => index.intern(p.replace(/\/$/, '')));
    for (let i = 0; i < 3000; i++) index.intern(`deep/d${i % 37}/f${(i * 7919) % 3000}-${i % 3 ? 'x' : 'x/y'}`);
    const all = index.paths.map((_, id) => id).filter((id) => id !== ROOT);
    expect(index.sortByPath(all).map((id) => index.paths[id])).toEqual(all.map((id) => index.paths[id]).sort());
    expect(index.sortByPath(ids).map((id) => index.paths[id])).toEqual([...new Set(paths.map((p) => p.replace(/\/$/, '')))].sort());
  });
});
