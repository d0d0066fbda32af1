import { randomBytes } from 'node:crypto';
import { lstat, mkdtemp, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tarEntry, writeTar } from '@strata/core';
import { extractArchive } from './archive-extract.js';

const skip = process.getuid?.() !== 0 ? 'owners from the headers need root' : '';
if (skip) console.log(`archive extraction skipped: ${skip}`);

/** The tar as a stream of 64 KiB chunks, as a socket hands a request body over. */
async function tarStream(entries: Array<Parameters<typeof tarEntry>[0] & { bytes?: Uint8Array }>): Promise<ReadableStream<Uint8Array>> {
  const tar = new Uint8Array(
    await new Response(writeTar(entries.map(({ bytes, ...e }) => ({ ...tarEntry({ ...e, size: bytes?.byteLength ?? 0 }), body: bytes })), { mode: 'fresh' })).arrayBuffer(),
  );
  let offset = 0;
  return new ReadableStream({
    pull(c) {
      if (offset >= tar.byteLength) return c.close();
      c.enqueue(tar.slice(offset, offset + 65536));
      offset += 65536;
    },
  });
}

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'strata-extract-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe.skipIf(skip !== '')('extractArchive', () => {
  it('writes bodies intact and gives every entry the owner, mode and time of its header, directories last', async () => {
    const big = new Uint8Array(randomBytes(3 * 1024 * 1024 + 5));
    const small = new TextEncoder().encode('small\n');
    await extractArchive(
      root,
      '',
      await tarStream([
        { path: 'd', type: 'directory', mode: 0o750, uid: 1000, gid: 1001, mtime: 1_600_000_000 },
        { path: 'd/big', type: 'file', mode: 0o4755, uid: 1234, gid: 5678, mtime: 1_600_000_100, bytes: big },
        { path: 'd/small', type: 'file', mode: 0o600, uid: 7, gid: 8, mtime: 1_600_000_200, bytes: small },
        { path: 'd/empty', type: 'file', mode: 0o2640, uid: 0, gid: 50, mtime: 1_600_000_300 },
        { path: 'd/link', type: 'symlink', linkname: 'big', uid: 9, gid: 9, mtime: 1_600_000_400 },
        { path: 'd/hard', type: 'hardlink', linkname: 'd/big' },
      ]),
      { noOverwriteDirNonDir: false },
    );
    const facts = async (name: string) => {
      const st = await lstat(join(root, name));
      return { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: Math.floor(st.mtimeMs / 1000), size: st.size, ino: st.ino };
    };
    const bigFacts = await facts('d/big');
    expect(bigFacts).toMatchObject({ mode: 0o4755, uid: 1234, gid: 5678, mtime: 1_600_000_100, size: big.byteLength });
    expect(Buffer.compare(await readFile(join(root, 'd/big')), big)).toBe(0);
    expect(await facts('d/small')).toMatchObject({ mode: 0o600, uid: 7, gid: 8, mtime: 1_600_000_200, size: small.byteLength });
    expect(await readFile(join(root, 'd/small'), 'utf8')).toBe('small\n');
    expect(await facts('d/empty')).toMatchObject({ mode: 0o2640, uid: 0, gid: 50, mtime: 1_600_000_300, size: 0 });
    expect(await readlink(join(root, 'd/link'))).toBe('big');
    expect(await facts('d/link')).toMatchObject({ uid: 9, gid: 9, mtime: 1_600_000_400 });
    expect((await facts('d/hard')).ino).toBe(bigFacts.ino);
    expect(await facts('d')).toMatchObject({ mode: 0o750, uid: 1000, gid: 1001, mtime: 1_600_000_000 });
  });

  it('replaces an existing file with the archive\'s, and fails on a body cut short', async () => {
    await extractArchive(root, '', await tarStream([{ path: 'f', type: 'file', mode: 0o644, bytes: new Uint8Array(5000).fill(1) }]), { noOverwriteDirNonDir: false });
    const second = new Uint8Array(randomBytes(2 * 1024 * 1024));
    await extractArchive(root, '', await tarStream([{ path: 'f', type: 'file', mode: 0o644, bytes: second }]), { noOverwriteDirNonDir: false });
    expect(Buffer.compare(await readFile(join(root, 'f')), second)).toBe(0);
    const full = await new Response(await tarStream([{ path: 'g', type: 'file', mode: 0o644, bytes: second }])).arrayBuffer();
    const cut = new ReadableStream<Uint8Array>({ start: (c) => (c.enqueue(new Uint8Array(full, 0, 1024 * 1024)), c.close()) });
    await expect(extractArchive(root, '', cut, { noOverwriteDirNonDir: false })).rejects.toThrow('unexpected EOF');
  });
  it('gives a name that comes twice the later entry, and links to a file whose write may still be landing', async () => {
    const first = new Uint8Array(randomBytes(1024 * 1024 + 3));
    const second = new Uint8Array(randomBytes(2 * 1024 * 1024));
    const files = Array.from({ length: 8 }, (_, i) => ({ path: `many/f${i}`, type: 'file' as const, mode: 0o640, mtime: 1_600_000_000 + i, bytes: new Uint8Array(randomBytes(300_000 + i)) }));
    await extractArchive(
      root,
      '',
      await tarStream([
        { path: 'twice', type: 'file', mode: 0o644, bytes: first },
        { path: 'twice-link', type: 'hardlink', linkname: 'twice' },
        { path: 'twice', type: 'file', mode: 0o600, bytes: second },
        { path: 'was-file', type: 'file', mode: 0o644, bytes: first },
        { path: 'was-file', type: 'directory', mode: 0o755 },
        { path: 'was-file/inside', type: 'file', mode: 0o644, bytes: second },
        ...files,
      ]),
      { noOverwriteDirNonDir: false },
    );
    expect(Buffer.compare(await readFile(join(root, 'twice')), second)).toBe(0);
    expect((await lstat(join(root, 'twice'))).mode & 0o7777).toBe(0o600);
    // The link was made to the first file, before the second replaced its name.
    expect(Buffer.compare(await readFile(join(root, 'twice-link')), first)).toBe(0);
    expect((await lstat(join(root, 'was-file'))).isDirectory()).toBe(true);
    expect(Buffer.compare(await readFile(join(root, 'was-file/inside')), second)).toBe(0);
    for (const f of files) {
      expect(Buffer.compare(await readFile(join(root, f.path)), f.bytes)).toBe(0);
      expect(Math.floor((await lstat(join(root, f.path))).mtimeMs / 1000)).toBe(f.mtime);
    }
  });
});
