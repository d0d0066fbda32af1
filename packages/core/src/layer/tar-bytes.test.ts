import { describe, expect, it } from 'vitest';
import { collect, streamOf } from '../../test-support/node.js';
import { readTar, tarBytes, tarEntry, writeTar, type TarBytesEntry } from './index.js';

const text = (s: string) => new TextEncoder().encode(s);
const T = 1700000000;

/** Entries of every kind a COPY writes, with names and xattrs that need PAX headers. */
function entries(): TarBytesEntry[] {
  const file = (path: string, body: string, more: Partial<TarBytesEntry> = {}): TarBytesEntry => ({
    ...tarEntry({ path, type: 'file', size: text(body).byteLength, mtime: T, uname: 'root', gname: 'root', ...more }),
    body: text(body),
  });
  return [
    tarEntry({ path: 'app/', type: 'directory', mtime: T, uname: 'root', gname: 'root' }),
    file('app/a.txt', 'hello\n', { uid: 1000, gid: 1000, mode: 0o600 }),
    file('app/empty', ''),
    file(`app/${'d'.repeat(60)}/${'n'.repeat(84)}`, 'split name\n'),
    file(`app/${'x'.repeat(150)}`, 'pax name\n'),
    file('app/cap', 'x'.repeat(513), { pax: { 'SCHILY.xattr.user.note': text('v') } }),
    tarEntry({ path: 'app/link', type: 'symlink', linkname: 'a.txt', mode: 0o777, mtime: T }),
  ];
}

describe('tarBytes', () => {
  it('writes the same bytes as writeTar in fresh mode', async () => {
    const streamed = await collect(writeTar(entries(), { mode: 'fresh' }));
    const bytes = tarBytes(entries());
    expect(bytes.byteLength).toBe(streamed.byteLength);
    expect(Buffer.from(bytes).equals(Buffer.from(streamed))).toBe(true);
  });

  it('reads back entry by entry with their bodies', async () => {
    const seen: string[] = [];
    for await (const e of readTar(streamOf(tarBytes(entries()), 700))) {
      const body = new TextDecoder().decode(await collect(e.body));
      seen.push(`${e.type} ${e.path} ${e.size} ${body.length > 8 ? body.length : JSON.stringify(body)}`);
    }
    expect(seen).toEqual([
      'directory app/ 0 ""',
      'file app/a.txt 6 "hello\\n"',
      'file app/empty 0 ""',
      `file app/${'d'.repeat(60)}/${'n'.repeat(84)} 11 11`,
      `file app/${'x'.repeat(150)} 9 9`,
      'file app/cap 513 513',
      'symlink app/link 0 ""',
    ]);
  });

  it('refuses a body that does not match its declared size', () => {
    const [dir, file] = entries();
    expect(() => tarBytes([dir!, { ...file!, size: 7 }])).toThrow('missed writing 1 bytes');
    expect(() => tarBytes([dir!, { ...file!, size: 5 }])).toThrow('write too long');
  });
});
