import { describe, expect, it } from 'vitest';
import { collect, nodeHasher, streamOf } from '../../test-support/node.js';
import { tarEntry, writeTar } from '../layer/index.js';
import { ContextMemo } from './context-memo.js';
import { contextTree } from './context-tree.js';
import { sourceHash } from './source-hash.js';

const text = (b: Uint8Array | undefined): string => new TextDecoder().decode(b);

async function contextTar(last: string, extra: Array<[string, string]> = []): Promise<Uint8Array> {
  const files: Array<[string, string]> = [['Dockerfile', 'FROM scratch\nCOPY . /\n'], ['last.txt', last], ...Array.from({ length: 50 }, (_, i): [string, string] => [`src/f${i}.txt`, `file ${i}\n`.repeat(i + 1)]), ...extra];
  return collect(writeTar(files.map(([path, body]) => ({ ...tarEntry({ path, type: 'file', mode: 0o644, size: body.length, mtime: 1 }), body: new TextEncoder().encode(body) })), { mode: 'fresh' }));
}

describe('ContextMemo: a context sent again byte for byte', () => {
  it('gives the same tree as a fresh read, whatever the chunking of either send', async () => {
    const memo = new ContextMemo();
    const bytes = await contextTar('last 0\n');
    const first = await contextTree(streamOf(bytes, 4096), nodeHasher, memo);
    const again = await contextTree(streamOf(bytes, 777), nodeHasher, memo);
    const fresh = await contextTree(streamOf(bytes, 65536), nodeHasher);
    for (const t of [first, again]) {
      expect(t.paths()).toEqual(fresh.paths());
      expect(text(t.get('src/f49.txt')?.body)).toBe(text(fresh.get('src/f49.txt')?.body));
      expect(sourceHash(nodeHasher, t, '.')).toBe(sourceHash(nodeHasher, fresh, '.'));
    }
    // The second read was no parse: its nodes are the first read's own.
    expect(again.get('src/f1.txt')).toBe(first.get('src/f1.txt'));
    expect(fresh.get('src/f1.txt')).not.toBe(first.get('src/f1.txt'));
    // The tree handed out is the caller's (.dockerignore removes from it): the memo keeps its own.
    again.remove('src');
    const third = await contextTree(streamOf(bytes, 1000), nodeHasher, memo);
    expect(third.has('src/f0.txt')).toBe(true);
  });

  it('reads a context that differs in one byte, or in length, as itself', async () => {
    const memo = new ContextMemo();
    await contextTree(streamOf(await contextTar('last 0\n'), 4096), nodeHasher, memo);
    const changed = await contextTree(streamOf(await contextTar('last 1\n'), 4096), nodeHasher, memo);
    expect(text(changed.get('last.txt')?.body)).toBe('last 1\n');
    expect(changed.get('src/f1.txt')).not.toBe(undefined);
    const longer = await contextTree(streamOf(await contextTar('last 1\n', [['zz.txt', 'more\n']]), 4096), nodeHasher, memo);
    expect(text(longer.get('zz.txt')?.body)).toBe('more\n');
    // A prefix of a remembered context (the tar cut short) is parsed, and so refused as a truncated archive.
    const whole = await contextTar('last 1\n');
    await expect(contextTree(streamOf(whole.subarray(0, whole.byteLength - 1500), 4096), nodeHasher, memo)).rejects.toThrow();
    // Both remembered contexts are still found.
    expect(text((await contextTree(streamOf(await contextTar('last 0\n'), 300), nodeHasher, memo)).get('last.txt')?.body)).toBe('last 0\n');
  });

  it('a context that failed to read is not remembered', async () => {
    const memo = new ContextMemo();
    const whole = await contextTar('last 0\n');
    const cut = whole.subarray(0, 3000);
    await expect(contextTree(streamOf(cut, 512), nodeHasher, memo)).rejects.toThrow();
    await expect(contextTree(streamOf(cut, 512), nodeHasher, memo)).rejects.toThrow();
  });
});
