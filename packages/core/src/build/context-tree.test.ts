import { describe, expect, it } from 'vitest';
import { collect, streamOf } from '../../test-support/node.js';
import { tarEntry, writeTar } from '../layer/index.js';
import { contextTree } from './context-tree.js';
import { nodeHasher } from '../../test-support/node.js';
import { pathHash, sourceHash } from './source-hash.js';

const text = (b: Uint8Array | undefined): string => new TextDecoder().decode(b);

async function contextTar(): Promise<Uint8Array> {
  const big = new Uint8Array(70_000).map((_, i) => i % 251);
  const files: Array<[string, Uint8Array | string]> = [
    ['Dockerfile', 'FROM scratch\n'],
    ['empty', ''],
    ['big.bin', big],
    ['src/a.txt', 'a\n'],
    ['src/b.txt', 'bee\n'],
  ];
  const entries = [
    { ...tarEntry({ path: 'src/', type: 'directory', mode: 0o755, size: 0, mtime: 1 }), body: undefined },
    ...files.map(([path, body]) => {
      const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
      return { ...tarEntry({ path, type: 'file', mode: 0o644, size: bytes.byteLength, mtime: 1 }), body: bytes };
    }),
    { ...tarEntry({ path: 'link', type: 'hardlink', mode: 0o644, size: 0, mtime: 1, linkname: 'src/b.txt' }), body: undefined },
  ];
  return collect(writeTar(entries, { mode: 'fresh' }));
}

describe('contextTree: the context tar read while it arrives', () => {
  for (const chunk of [3, 7, 512, 4096, 1 << 20]) {
    it(`gives every file its bytes whatever the chunk size (${chunk} bytes)`, async () => {
      const bytes = await contextTar();
      const tree = await contextTree(streamOf(bytes, chunk));
      expect(tree.paths()).toEqual(['Dockerfile', 'big.bin', 'empty', 'link', 'src', 'src/a.txt', 'src/b.txt']);
      expect(text(tree.get('Dockerfile')?.body)).toBe('FROM scratch\n');
      expect(tree.get('empty')?.body?.byteLength).toBe(0);
      expect(Array.from(tree.get('big.bin')!.body!)).toEqual(Array.from(new Uint8Array(70_000).map((_, i) => i % 251)));
      expect(text(tree.get('src/b.txt')?.body)).toBe('bee\n');
      expect(text(tree.get('link')?.body)).toBe('bee\n');
    });
  }

  it('refuses a tar cut inside a file body', async () => {
    const bytes = await contextTar();
    await expect(contextTree(streamOf(bytes.subarray(0, 3000), 100))).rejects.toThrow(/unexpected EOF/);
  });

  it('with a hasher, makes each file\'s tarsum as it arrives: the same hashes COPY computes', async () => {
    const bytes = await contextTar();
    const counted = { create: () => ((created += 1), nodeHasher.create()), sha256Hex: undefined };
    let created = 0;
    const tree = await contextTree(streamOf(bytes, 512), counted);
    const made = created;
    expect(made).toBe(5);
    const fresh = await contextTree(streamOf(bytes, 512));
    expect(sourceHash(counted, tree, 'src')).toBe(sourceHash(nodeHasher, fresh, 'src'));
    expect(pathHash(counted, 'big.bin', tree.get('big.bin')!)).toBe(pathHash(nodeHasher, 'big.bin', fresh.get('big.bin')!));
    // Only the directory itself and the list were hashed now; the files' tarsums were ready.
    expect(created - made).toBe(2);
  });
});
