import { describe, expect, it } from 'vitest';
import { comparePaths, copyChanges } from './copy-changes.js';
import { FsTree, directoryNode, type FsNode } from './fs-tree.js';

const T = 1700000000;
const file = (): FsNode => ({ type: 'file', mode: 0o644, uid: 0, gid: 0, size: 0, mtime: T, linkname: '', devmajor: 0, devminor: 0, pax: {}, body: new Uint8Array() });

describe('copyChanges', () => {
  it('lists a directory copy in layer walk order: children right after their directory, siblings by name', () => {
    const context = new FsTree();
    for (const p of ['src/a-b', 'src/a/b', 'src/a/c/d', 'src/a.b', 'src/a b', 'src/ab', 'src/a0', 'src/Z']) context.set(p, file());
    const image = new FsTree();
    image.set('app', directoryNode(T));
    const { entries, after } = copyChanges(image, [{ tree: context, path: 'src', preserveOwnership: false }], { dest: 'app/src', destIsDir: true, now: T + 5 });
    const paths = entries.map((e) => e.path);
    expect(paths).toEqual(['app', 'app/src', 'app/src/Z', 'app/src/a', 'app/src/a/b', 'app/src/a/c', 'app/src/a/c/d', 'app/src/a b', 'app/src/a-b', 'app/src/a.b', 'app/src/a0', 'app/src/ab']);
    expect([...paths].sort(comparePaths)).toEqual(paths);
    // The existing parent is re-listed with the step's time; the new ones are made for the copy.
    expect(entries[0]!.node.mtime).toBe(T + 5);
    expect(after.get('app/src/a/c/d')?.type).toBe('file');
    expect(image.has('app/src')).toBe(false);
  });
});
