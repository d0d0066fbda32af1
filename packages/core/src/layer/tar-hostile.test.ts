import { describe, expect, it } from 'vitest';
import { collect, streamOf } from '../../test-support/node.js';
import { isStrataError } from '../errors/index.js';
import { cleanEntryPath, readTar, tarEntry, writeTar, type TarWriteEntry } from './index.js';

const text = (s: string) => new TextEncoder().encode(s);

async function archive(entries: TarWriteEntry[]): Promise<Uint8Array> {
  return collect(writeTar(entries, { mode: 'fresh' }));
}

const sample = () =>
  archive([
    { ...tarEntry({ path: 'a.txt', type: 'file', size: 700, mtime: 1 }), body: new Uint8Array(700).fill(0x61) },
    tarEntry({ path: 'dir/', type: 'directory', mtime: 1 }),
  ]);

/** Read every entry and body; resolves to the paths or rejects with the decoder's error. */
async function readAll(bytes: Uint8Array, chunk = 512): Promise<string[]> {
  const paths: string[] = [];
  for await (const e of readTar(streamOf(bytes, chunk))) {
    paths.push(e.path);
    await collect(e.body);
  }
  return paths;
}

/** Rewrite a header field and fix the checksum, so only the field itself is wrong. */
function patchHeader(bytes: Uint8Array, at: number, offset: number, value: Uint8Array): Uint8Array {
  const out = bytes.slice();
  out.set(value, at + offset);
  out.fill(0x20, at + 148, at + 156);
  const sum = out.subarray(at, at + 512).reduce((n, b) => n + b, 0);
  out.set(text(`${sum.toString(8).padStart(6, '0')}\0 `), at + 148);
  return out;
}

const rejectsInvalid = async (p: Promise<unknown>, message: RegExp) => {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(isStrataError(e, 'invalid'), String(e)).toBe(true);
  expect((e as Error).message).toMatch(message);
};

describe('hostile and broken tar input', () => {
  it('names that climb out or are absolute decode as written but do not clean', async () => {
    const bytes = await archive([
      { ...tarEntry({ path: '../evil', type: 'file', size: 1 }), body: text('x') },
      tarEntry({ path: '/etc/passwd', type: 'file' }),
      tarEntry({ path: 'a/../../b', type: 'symlink', linkname: '/x' }),
    ]);
    const paths = await readAll(bytes);
    expect(paths).toEqual(['../evil', '/etc/passwd', 'a/../../b']);
    for (const p of paths) expect(() => cleanEntryPath(p)).toThrow(expect.objectContaining({ kind: 'invalid' }));
  });

  it('a bad checksum is invalid', async () => {
    const bytes = (await sample()).slice();
    bytes[0] ^= 0x20; // 'a.txt' -> 'A.txt' without fixing the checksum
    await rejectsInvalid(readAll(bytes), /archive\/tar: invalid tar header: checksum mismatch/);
  });

  it('a bad octal number is invalid', async () => {
    const bytes = patchHeader(await sample(), 0, 100, text('0000989\0'));
    await rejectsInvalid(readAll(bytes), /bad octal mode field/);
  });

  it('base-256 numbers out of the safe range are invalid', async () => {
    const huge = new Uint8Array(12).fill(0xff);
    huge[0] = 0x80;
    await rejectsInvalid(readAll(patchHeader(await sample(), 0, 124, huge)), /base-256 size field out of range/);
  });

  it.each([1, 512, 600, 1024 + 512 + 100, 1024 + 512 + 512 + 700])('an archive cut at byte %i is an unexpected EOF', async (cut) => {
    const bytes = (await sample()).subarray(0, cut);
    await rejectsInvalid(readAll(bytes, 7), /^unexpected EOF$/);
  });

  it('a truncated body is reported by next() even when the body is skipped', async () => {
    const bytes = (await sample()).subarray(0, 512 + 300);
    const reader = readTar(streamOf(bytes));
    const first = await reader.next();
    expect(first.done).toBe(false);
    await rejectsInvalid(reader.next(), /^unexpected EOF$/);
  });

  it('an absurd PAX header size is refused before reading it', async () => {
    const bytes = await archive([{ ...tarEntry({ path: 'x', type: 'file', size: 1, pax: { 'SCHILY.xattr.user.a': text('b') } }), body: text('x') }]);
    expect(String.fromCharCode(bytes[156])).toBe('x');
    const patched = patchHeader(bytes, 0, 124, text(`${(1 << 30).toString(8).padStart(11, '0')}\0`));
    await rejectsInvalid(readAll(patched), /header field too long/);
  });

  it('a malformed PAX record is invalid', async () => {
    const bytes = (await archive([{ ...tarEntry({ path: 'x', type: 'file', size: 1, pax: { 'SCHILY.xattr.user.a': text('b') } }), body: text('x') }])).slice();
    bytes[512] = 0x39; // the record length "29" becomes "99": longer than the data
    await rejectsInvalid(readAll(bytes), /malformed PAX record/);
  });

  it('a lone zero block followed by more headers is invalid', async () => {
    const good = await sample();
    const one = await archive([tarEntry({ path: 'b', type: 'file' })]);
    const bytes = new Uint8Array(512 + 512 + 512);
    bytes.set(one.subarray(0, 512), 0);
    bytes.set(one.subarray(0, 512), 1024);
    await rejectsInvalid(readAll(bytes), /lone zero block/);
    expect(await readAll(good)).toEqual(['a.txt', 'dir/']);
  });

  it('writing more or fewer body bytes than the size says is refused', async () => {
    await rejectsInvalid(archive([{ ...tarEntry({ path: 'x', type: 'file', size: 2 }), body: text('abc') }]), /write too long/);
    await rejectsInvalid(archive([{ ...tarEntry({ path: 'x', type: 'file', size: 4 }), body: text('abc') }]), /missed writing 1 bytes/);
  });
});
