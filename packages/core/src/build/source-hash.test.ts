import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { nodeHasher } from '../../test-support/node.js';
import { FsTree, directoryNode, type FsNode } from './fs-tree.js';
import { sourceHash } from './source-hash.js';

const file = (body: string, mode: number, uid = 0, gid = 0): FsNode => ({
  type: 'file', mode, uid, gid, size: body.length, mtime: 0, linkname: '', devmajor: 0, devminor: 0, pax: {}, body: new TextEncoder().encode(body),
});

describe('classic COPY source hashes', () => {
  // The builder stage of fixture 06 left /out as below; its history names these exact hashes.
  const tree = new FsTree();
  tree.set('out', directoryNode(1));
  tree.set('out/artifact.txt', file('artifact\n', 0o750));
  tree.set('out/link-to-artifact', { ...directoryNode(1), type: 'symlink', mode: 0o777, linkname: 'artifact.txt' });
  tree.set('out/sub', directoryNode(1));
  tree.set('out/sub/nested.txt', file('nested\n', 0o644, 123, 456));

  it("hashes a file as tarsum v1 of its header and bytes (fixture 06's file:42a3fdd…)", () => {
    expect(sourceHash(nodeHasher, tree, 'out/artifact.txt')).toBe('file:42a3fddae854aeb6f9350e411eb1c6343ce9516b6cc1b4ad2d3e5aa3f0049313');
  });

  it("hashes a directory over its paths, a symlink counting as its target (fixture 06's dir: hashes)", () => {
    expect(sourceHash(nodeHasher, tree, 'out')).toBe('dir:191bfbe4a2d5dfaeeca11ff186863ddc9d1f6f6ddfbd17425866890052c96491');
    expect(sourceHash(nodeHasher, tree, 'out/sub')).toBe('dir:99fa40b7f7324baf83666cef56428197c885988623065838167485816a855d8a');
  });

  it('gives the same hashes through a one-shot sha256Hex as through create()', () => {
    const oneShot = { ...nodeHasher, sha256Hex: (b: Uint8Array) => createHash('sha256').update(b).digest('hex') };
    expect(sourceHash(oneShot, tree, 'out/artifact.txt')).toBe('file:42a3fddae854aeb6f9350e411eb1c6343ce9516b6cc1b4ad2d3e5aa3f0049313');
    expect(sourceHash(oneShot, tree, 'out')).toBe('dir:191bfbe4a2d5dfaeeca11ff186863ddc9d1f6f6ddfbd17425866890052c96491');
  });
});
