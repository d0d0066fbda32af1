import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryTree, fixtureRoot, memoryContainerFiles, statOf } from '../../test-support/file-tree.js';
import { collect, fixturesDir, nodeHasher } from '../../test-support/node.js';
import { readTar } from '../layer/index.js';
import type { FileStat } from '../lifecycle/index.js';
import { archiveContainerPath, goFileMode, goTimeJson, statContainerPath } from './container-archive.js';
import { containerChanges } from './container-changes.js';
import { EMPTY_LAYER_DIFF_ID } from './container-commit.js';
import { exportContainerTar } from './container-export.js';
import { writableLayerTar } from './container-layer.js';
import { ingestLayer, ingestWrittenLayer } from './layer-ingest.js';
import { testPorts } from '../../test-support/memory.js';
import { absoluteContainerPath, resolveInScope } from './container-path.js';

const S = 1_000_000_000n;
const LATER = 1_796_000_000n * S + 123_456_789n;
const expectedDiff = (image: string) => readFileSync(join(fixturesDir, 'images', image, 'container-diff.sorted.txt'), 'utf8').split('\n').filter(Boolean);
const asLines = (changes: Array<{ Path: string; Kind: number }>) => changes.map((c) => `${'CAD'[c.Kind]} ${c.Path}`);
const copyUp = (st: FileStat, change: Partial<FileStat> = {}): FileStat => ({ ...st, ino: st.ino + 1_000_000n, ...change });
const whiteout = () => statOf({ kind: 'char', mode: 0, mtimeNs: LATER });
const OPAQUE = { 'trusted.overlay.opaque': new TextEncoder().encode('y') };

/** What runc leaves in an upper dir for its mounts (Docker keeps these in its init layer). */
function withRuntimePlaceholders(upper: MemoryTree, lower: MemoryTree): MemoryTree {
  for (const dir of ['dev', 'proc', 'sys']) upper.set(dir, statOf({ kind: 'directory', mtimeNs: LATER }));
  const etc = lower.nodes.get('etc')?.stat;
  upper.set('etc', etc ? copyUp(etc, { mtimeNs: LATER }) : statOf({ kind: 'directory', mtimeNs: LATER }));
  for (const f of ['hostname', 'hosts', 'resolv.conf']) upper.set(`etc/${f}`, statOf({ kind: 'file', mode: 0o755, mtimeNs: LATER }));
  return upper;
}

/** Fixture 01's container: new files, /bin/sleep removed, the /bin/echo symlink replaced by a file, `touch /bin/ls` (busybox's mtime). */
async function container01() {
  const lower = await fixtureRoot('01-base');
  const upper = new MemoryTree();
  upper.set('bin', copyUp(lower.nodes.get('bin')!.stat, { mtimeNs: LATER }));
  upper.set('bin/busybox', copyUp(lower.nodes.get('bin/busybox')!.stat, { mtimeNs: LATER }), lower.nodes.get('bin/busybox')!.body);
  upper.set('bin/echo', statOf({ kind: 'file', mtimeNs: LATER }), 'replaced\n');
  upper.set('bin/sleep', whiteout());
  upper.set('new-file.txt', statOf({ kind: 'file', mtimeNs: LATER }), 'new\n');
  upper.set('newdir', statOf({ kind: 'directory', mtimeNs: LATER }));
  upper.set('newdir/sub', statOf({ kind: 'directory', mtimeNs: LATER }));
  upper.set('newdir/sub/f', statOf({ kind: 'file', mtimeNs: LATER }), 'x\n');
  return { lower, upper: withRuntimePlaceholders(upper, lower) };
}

/** Fixture 03's container: `rm -rf /config && mkdir /config` (opaque) and one file of /contrast removed. */
async function container03() {
  const lower = await fixtureRoot('03-opaque');
  const upper = new MemoryTree();
  upper.set('config', statOf({ kind: 'directory', mtimeNs: LATER }), undefined, OPAQUE);
  upper.set('config/d.conf', statOf({ kind: 'file', mtimeNs: LATER }), 'container\n');
  upper.set('contrast', copyUp(lower.nodes.get('contrast')!.stat, { mtimeNs: LATER }));
  upper.set('contrast/c.conf', whiteout());
  return { lower, upper: withRuntimePlaceholders(upper, lower) };
}

/** Fixture 02's container: the deleted /bin/httpd and /data/subdir recreated, keep.txt removed. */
async function container02() {
  const lower = await fixtureRoot('02-whiteout');
  const upper = new MemoryTree();
  upper.set('bin', copyUp(lower.nodes.get('bin')!.stat, { mtimeNs: LATER }));
  upper.set('bin/httpd', statOf({ kind: 'file', mtimeNs: LATER }), 'restored\n');
  upper.set('data', copyUp(lower.nodes.get('data')!.stat, { mtimeNs: LATER }));
  upper.set('data/keep.txt', whiteout());
  upper.set('data/subdir', statOf({ kind: 'directory', mtimeNs: LATER }));
  upper.set('data/subdir/new.txt', statOf({ kind: 'file', mtimeNs: LATER }), 'new\n');
  return { lower, upper: withRuntimePlaceholders(upper, lower) };
}

async function headers(stream: ReadableStream<Uint8Array>) {
  const out = [];
  for await (const e of readTar(stream)) {
    const body = new TextDecoder().decode(await collect(e.body));
    out.push(`${e.type} ${e.rawMode.toString(8)} ${e.uid}:${e.gid} ${e.uname}:${e.gname} ${e.size} ${e.mtime} ${e.path}${e.linkname ? ` -> ${e.linkname}` : ''}${body && e.size < 100 ? ` ${JSON.stringify(body)}` : ''}`);
  }
  return out;
}

describe.each([
  ['names of a directory, stat only where both sides have the path', true],
  ['whole directories listed with their stats', false],
])('docker diff from the upper dir alone (%s)', (_, names) => {
  const files = (trees: { upper: MemoryTree; lower: MemoryTree }) => memoryContainerFiles(trees, { names });

  it('fixture 01: symlink replaced by a file is C, touch through a symlink is C, placeholders never show', async () => {
    expect(asLines(await containerChanges(files(await container01())))).toEqual(expectedDiff('01-base'));
  });

  it('fixture 02: a recreated deleted path is A', async () => {
    expect(asLines(await containerChanges(files(await container02())))).toEqual(expectedDiff('02-whiteout'));
  });

  it('fixture 03: an opaque directory shows as per-file deletions', async () => {
    expect(asLines(await containerChanges(files(await container03())))).toEqual(expectedDiff('03-opaque'));
  });

  it('a copy-up that changed nothing (chown to the same owner) is no change; /etc is the init layer\'s', async () => {
    const lower = await fixtureRoot('05-perms');
    const upper = withRuntimePlaceholders(new MemoryTree(), lower);
    upper.set('perm', copyUp(lower.nodes.get('perm')!.stat, { mtimeNs: LATER }));
    upper.set('perm/untouched.txt', copyUp(lower.nodes.get('perm/untouched.txt')!.stat));
    expect(await containerChanges(files({ upper, lower }))).toEqual([]);
    upper.set('etc/extra', statOf({ kind: 'file' }), 'x');
    expect(asLines(await containerChanges(files({ upper, lower })))).toEqual(['C /etc', 'A /etc/extra']);
  });
});

describe('the writable layer as a layer tar', () => {
  it('fixture 03: the opaque marker after its directory (mode 0755, mtime 0), whiteouts 0600, placeholders left out', async () => {
    const { lower, upper } = await container03();
    const t = Number(LATER / S);
    expect(await headers(writableLayerTar(memoryContainerFiles({ upper, lower })))).toEqual([
      `directory 40755 0:0 root:root 0 ${t} config/`,
      'file 755 0:0 root:root 0 0 config/.wh..wh..opq',
      `file 100644 0:0 root:root 10 ${t} config/d.conf "container\\n"`,
      `directory 40755 0:0 root:root 0 ${t} contrast/`,
      `file 600 0:0 root:root 0 ${t} contrast/.wh.c.conf`,
    ]);
  });

  it('the first path of a hard link group carries the data, a capability travels as a PAX record', async () => {
    const upper = new MemoryTree();
    const shared = statOf({ kind: 'file', nlink: 2, mtimeNs: LATER });
    upper.set('a', shared, 'data');
    upper.set('b', shared, 'data');
    upper.set('cap', statOf({ kind: 'file', mode: 0o4755, uid: 1000, gid: 1000, mtimeNs: LATER }), 'x', { 'security.capability': new Uint8Array([1, 0, 0, 2]) });
    upper.set('link', statOf({ kind: 'symlink', mode: 0o777, linkTarget: '/bin/busybox', size: 12, mtimeNs: LATER }));
    const entries = [];
    for await (const e of readTar(writableLayerTar(memoryContainerFiles({ upper, lower: new MemoryTree() })))) {
      await e.body.cancel();
      entries.push({ path: e.path, type: e.type, linkname: e.linkname, size: e.size, rawMode: e.rawMode, uname: e.uname, pax: Object.keys(e.pax) });
    }
    expect(entries).toEqual([
      { path: 'a', type: 'file', linkname: '', size: 4, rawMode: 0o100644, uname: 'root', pax: [] },
      { path: 'b', type: 'hardlink', linkname: 'a', size: 0, rawMode: 0o100644, uname: 'root', pax: [] },
      { path: 'cap', type: 'file', linkname: '', size: 1, rawMode: 0o104755, uname: '', pax: ['SCHILY.xattr.security.capability'] },
      { path: 'link', type: 'symlink', linkname: '/bin/busybox', size: 0, rawMode: 0o120777, uname: 'root', pax: [] },
    ]);
  });

  it('stored as the engine writes it, the layer has the digest, figures and table a scan of its bytes gives', async () => {
    for (const make of [container01, container02, container03]) {
      const files = memoryContainerFiles(await make());
      const written = await ingestWrittenLayer(testPorts(), (entries) => writableLayerTar(files, entries));
      const scanned = await ingestLayer(testPorts(), writableLayerTar(files));
      expect(written.table!.paths.length).toBeGreaterThan(3);
      expect(written).toEqual(scanned);
    }
  });

  it('an unchanged container (only the runtime\'s placeholders) is the empty layer', async () => {
    const lower = await fixtureRoot('01-base');
    const bytes = await collect(writableLayerTar(memoryContainerFiles({ upper: withRuntimePlaceholders(new MemoryTree(), lower), lower })));
    const h = nodeHasher.create('sha256');
    h.update(bytes);
    expect(`sha256:${h.hex()}`).toBe(EMPTY_LAYER_DIFF_ID);
  });

  it('applied on the image it gives the container\'s files: export lists what container-export-tvf.txt lists', async () => {
    for (const [image, make] of [['01-base', container01], ['02-whiteout', container02], ['03-opaque', container03]] as const) {
      const { lower, upper } = await make();
      const layer = await collect(writableLayerTar(memoryContainerFiles({ upper, lower })));
      const root = await (await fixtureRoot(image)).apply(layer);
      const names = [];
      for await (const e of readTar(exportContainerTar(memoryContainerFiles({ upper, lower, root }), LATER))) {
        await e.body.cancel();
        names.push(`${e.rawMode.toString(8)} ${e.uname}/${e.gname} ${e.size} ${e.path}${e.linkname ? ` -> ${e.linkname}` : ''}`);
      }
      const recorded = readFileSync(join(fixturesDir, 'images', image, 'container-export-tvf.txt'), 'utf8').split('\n').filter(Boolean);
      expect(names.map((n) => n.split(' ').slice(1).join(' '))).toEqual(recorded.map((l) => l.split(/\s+/).filter((_, i) => i === 1 || i === 2 || i >= 5).join(' ')));
    }
  });
});

describe('paths inside the container root (docker cp)', () => {
  const root = new MemoryTree()
    .set('escape', statOf({ kind: 'symlink', linkTarget: '/' }))
    .set('up', statOf({ kind: 'symlink', linkTarget: '../..' }))
    .set('loop', statOf({ kind: 'symlink', linkTarget: 'loop' }))
    .set('etc', statOf({ kind: 'directory' }))
    .set('etc/motd', statOf({ kind: 'file', mtimeNs: LATER }), 'hi\n')
    .set('dir', statOf({ kind: 'directory', mode: 0o1777, mtimeNs: 1_700_000_000n * S }))
    .set('dir/sub', statOf({ kind: 'directory' }))
    .set('dir/sub/f', statOf({ kind: 'file' }), 'f\n')
    .set('dirlink', statOf({ kind: 'symlink', linkTarget: 'up/dir', size: 6 }));
  const files = memoryContainerFiles({ upper: new MemoryTree(), lower: new MemoryTree(), root });

  it('symlinks to / and ../.. stop at the root; a loop is refused', async () => {
    expect(await resolveInScope(root, '/escape/etc/motd')).toBe('etc/motd');
    expect(await resolveInScope(root, '/up/up/../../etc/motd')).toBe('etc/motd');
    expect(await resolveInScope(root, '/escape/etc/passwd')).toBe('etc/passwd');
    await expect(resolveInScope(root, '/loop/x')).rejects.toThrow('too many links');
    await expect(statContainerPath(files, '/up/etc/passwd', 'c')).rejects.toThrow('Could not find the file /up/etc/passwd in container c');
  });

  it('trailing / and /. are kept, as moby\'s PreserveTrailingDotOrSeparator', () => {
    expect(['dir', 'dir/', 'dir/.', '/dir/./', '/', '.', 'a/../b/'].map(absoluteContainerPath)).toEqual(['/dir', '/dir/', '/dir/.', '/dir/./', '/', '/.', '/b/']);
  });

  it('the stat carries Go FileMode bits and Go\'s time format; a symlink is stat\'ed itself with its target in scope', async () => {
    expect(await statContainerPath(files, '/dir', 'c')).toEqual({ name: 'dir', size: 0, mode: 2 ** 31 + 2 ** 20 + 0o777, mtime: '2023-11-14T22:13:20Z', linkTarget: '' });
    expect(await statContainerPath(files, '/dirlink', 'c')).toMatchObject({ name: 'dirlink', mode: 2 ** 27 + 0o644, linkTarget: '/dir' });
    expect(goTimeJson(LATER)).toBe('2026-11-30T00:53:20.123456789Z');
    expect(goFileMode(statOf({ kind: 'char', mode: 0o620 }))).toBe(2 ** 26 + 2 ** 21 + 0o620);
  });

  it('archives are named after the path as written: dir, dir/ through a link, dir/. as .', async () => {
    const names = async (path: string) => {
      const out = [];
      for await (const e of readTar((await archiveContainerPath(files, path, 'c')).archive)) {
        await e.body.cancel();
        out.push(e.path + (e.linkname ? ` -> ${e.linkname}` : ''));
      }
      return out;
    };
    expect(await names('/dir')).toEqual(['dir/', 'dir/sub/', 'dir/sub/f']);
    expect(await names('/dirlink/')).toEqual(['dirlink/', 'dirlink/sub/', 'dirlink/sub/f']);
    expect(await names('/dirlink')).toEqual(['dirlink -> up/dir']);
    expect(await names('/dir/.')).toEqual(['./', './sub/', './sub/f']);
    expect(await names('/escape/etc/motd')).toEqual(['motd']);
  });
});
