import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collect, fixtureImages, nodeHasher, readFixture, streamOf } from '../../test-support/node.js';
import { sha256Of } from '../digest/index.js';
import { readTar, tarEntry, writeTar, type TarEntry, type TarWriteEntry } from './index.js';

const text = (s: string) => new TextEncoder().encode(s);
const xattr = new Uint8Array([0x00, 0x80, 0xff, 0x01, 0x02, 0x0a]);
const splittable = `tree/${'d'.repeat(60)}/${'n'.repeat(84)}`;
const unsplittable = `tree/${'x'.repeat(145)}`;
const T = 1700000000;

/** A small tree with every entry type Docker writes, long names, and a binary xattr. */
function tree(): TarWriteEntry[] {
  const file = (path: string, body: string, more: Partial<TarEntry> = {}): TarWriteEntry => ({
    ...tarEntry({ path, type: 'file', size: text(body).length, mtime: T, uname: 'root', gname: 'root', ...more }),
    body: text(body),
  });
  return [
    tarEntry({ path: 'tree/', type: 'directory', mtime: T, uname: 'root', gname: 'root' }),
    file('tree/file.txt', 'hello\n', { uid: 1000, gid: 1000, uname: 'cloudsdk', gname: 'cloudsdk' }),
    tarEntry({ path: 'tree/hardlink.txt', type: 'hardlink', linkname: 'tree/file.txt', mtime: T }),
    tarEntry({ path: 'tree/link', type: 'symlink', linkname: '../tree/file.txt', mode: 0o777, mtime: T }),
    tarEntry({ path: 'tree/fifo', type: 'fifo', mtime: T }),
    tarEntry({ path: 'tree/null', type: 'char', devmajor: 1, devminor: 3, mtime: T }),
    file('tree/suid', 'x', { mode: 0o4755 }),
    file(splittable, 'split\n'),
    file(unsplittable, 'pax path\n'),
    file('tree/cap', 'cap\n', { pax: { 'SCHILY.xattr.user.bin': xattr } }),
    file('tree/frac', 'f', { mtime: T + 0.25 }),
  ];
}

const lsMode = (e: TarEntry): string => {
  const kind = { directory: 'd', symlink: 'l', char: 'c', block: 'b', fifo: 'p', hardlink: 'h' }[e.type as string] ?? '-';
  const m = e.mode;
  const t = (s: number, sp: number, on: string) => (m >> s & 4 ? 'r' : '-') + (m >> s & 2 ? 'w' : '-') + (m & sp ? on : m >> s & 1 ? 'x' : '-');
  return kind + t(6, 0o4000, 's') + t(3, 0o2000, 's') + t(0, 0o1000, 't');
};

/** What `tar -tv --numeric-owner --full-time` prints for an entry (TZ=UTC). */
const gnuListing = (e: TarEntry): string => {
  const size = e.type === 'char' || e.type === 'block' ? `${e.devmajor},${e.devminor}` : String(e.type === 'file' ? e.size : 0);
  const fraction = Number.isInteger(e.mtime) ? '' : String(e.mtime).slice(String(e.mtime).indexOf('.'));
  const when = new Date(Math.floor(e.mtime) * 1000).toISOString().replace('T', ' ').slice(0, 19) + fraction;
  const link = e.type === 'symlink' ? ` -> ${e.linkname}` : e.type === 'hardlink' ? ` link to ${e.linkname}` : '';
  return `${lsMode(e)} ${e.uid}/${e.gid} ${size} ${when} ${e.path}${link}`;
};

describe('fresh tar encoding', () => {
  it('GNU tar lists every entry as built, including device numbers, long names and the xattr', async () => {
    const entries = tree();
    const bytes = await collect(writeTar(entries, { mode: 'fresh' }));
    const dir = mkdtempSync(join(tmpdir(), 'strata-layer-'));
    try {
      const file = join(dir, 'tree.tar');
      writeFileSync(file, bytes);
      const out = execFileSync('tar', ['--xattrs', "--xattrs-include=*", '--numeric-owner', '--full-time', '-tvvf', file], {
        env: { ...process.env, TZ: 'UTC', LC_ALL: 'C' },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const lines = out.trimEnd().split('\n');
      const listed = lines.filter((l) => !l.startsWith('  x: ')).map((l) => l.replace(/\*? +/g, ' ').replace(/^(\S+) /, '$1 '));
      expect(listed).toEqual(entries.map(gnuListing));
      expect(lines[lines.indexOf(lines.find((l) => l.endsWith(' tree/cap'))!) + 1]).toBe(`  x: ${xattr.length} user.bin`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(process.getuid?.() !== 0)('GNU tar extracts the device node, the setuid bit and the xattr bytes', async () => {
    const bytes = await collect(writeTar(tree(), { mode: 'fresh' }));
    const dir = mkdtempSync(join(tmpdir(), 'strata-layer-'));
    try {
      writeFileSync(join(dir, 'tree.tar'), bytes);
      execFileSync('tar', ['--xattrs', '--xattrs-include=*', '-xpf', 'tree.tar'], { cwd: dir, stdio: 'pipe' });
      const dev = statSync(join(dir, 'tree/null'));
      expect(dev.isCharacterDevice()).toBe(true);
      expect([(dev.rdev >> 8) & 0xfff, (dev.rdev & 0xff) | ((dev.rdev >> 12) & 0xfff00)]).toEqual([1, 3]);
      expect(statSync(join(dir, 'tree/suid')).mode & 0o7777).toBe(0o4755);
      expect(statSync(join(dir, 'tree/hardlink.txt')).ino).toBe(statSync(join(dir, 'tree/file.txt')).ino);
      expect(readFileSync(join(dir, unsplittable), 'utf8')).toBe('pax path\n');
      const hex = execFileSync('python3', ['-c', 'import os,sys; print(os.getxattr(sys.argv[1], "user.bin").hex())', join(dir, 'tree/cap')], { encoding: 'utf8' });
      expect(hex.trim()).toBe(Buffer.from(xattr).toString('hex'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('decodes back to the same fields, with Docker mode bits and Go-style headers', async () => {
    const entries = tree();
    const bytes = await collect(writeTar(entries, { mode: 'fresh' }));
    const decoded: TarEntry[] = [];
    const bodies: string[] = [];
    for await (const e of readTar(streamOf(bytes, 511))) {
      bodies.push(new TextDecoder().decode(await collect(e.body)));
      decoded.push(e);
    }
    const fields = ({ raw: _r, body: _b, pax, ...rest }: TarWriteEntry) => ({ ...rest, pax: Object.keys(pax).filter((k) => k.startsWith('SCHILY')) });
    expect(decoded.map(fields)).toEqual(entries.map(fields));
    expect(decoded.find((e) => e.path === 'tree/cap')!.pax['SCHILY.xattr.user.bin']).toEqual(xattr);
    expect(bodies.filter(Boolean)).toEqual(entries.filter((e) => e.body).map((e) => new TextDecoder().decode(e.body as Uint8Array)));
    expect(decoded.map((e) => e.rawMode.toString(8))).toEqual(['40755', '100644', '100644', '120777', '10644', '20644', '104755', '100644', '100644', '100644', '100644']);
    // ustar with no record padding: headers, bodies, two zero blocks.
    expect(bytes.length % 512).toBe(0);
    expect(bytes.subarray(-1024).every((b) => b === 0)).toBe(true);
    expect(new TextDecoder().decode(bytes.subarray(257, 265))).toBe('ustar\u000000');
    const headerOf = (path: string) => decoded.find((e) => e.path === path)!.raw!.header;
    // The 150-byte name fits a ustar prefix split, the unsplittable one needs a PAX `path` record named as Go names it.
    expect(headerOf(splittable).length).toBe(512);
    expect(new TextDecoder().decode(headerOf(unsplittable).subarray(0, 100))).toBe(`tree/PaxHeaders.0/${'x'.repeat(145)}`.slice(0, 100));
    expect(decoded.find((e) => e.path === 'tree/frac')!.pax.mtime).toEqual(text('1700000000.25'));
  });

  it.each(fixtureImages)('re-creates the Docker-written layers of %s byte for byte from their fields', async (image) => {
    let checked = 0;
    let layers = 0;
    for await (const outer of readTar(streamOf(readFixture(`images/${image}/image.tar`)))) {
      if (!outer.path.endsWith('/layer.tar')) continue;
      const tar = await collect(outer.body);
      layers++;
      const entries: TarWriteEntry[] = [];
      for await (const e of readTar(streamOf(tar))) entries.push({ ...e, raw: undefined, body: await collect(e.body) });
      if (entries[0].format === 'gnu') continue; // `docker import` keeps the original GNU tar bytes
      const fresh = await collect(writeTar(entries, { mode: 'fresh' }));
      expect(sha256Of(nodeHasher, fresh)).toBe(sha256Of(nodeHasher, tar));
      checked++;
    }
    // Every image has the GNU base layer below; all the layers Docker built itself must match.
    expect(checked).toBe(layers - 1);
  });
});
