import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTar } from '../layer/index.js';
import { fixtureImages, fixturesDir, readFixture, streamOf } from '../../test-support/node.js';
import { type FileFacts, LayerStack, type LayerTable, analyzeLayers, diveFigures, tableOfLayer, viewAt } from './index.js';

/** The layer tables of a fixture's image.tar, in manifest order. */
async function fixtureTables(name: string): Promise<LayerTable[]> {
  const byPath = new Map<string, LayerTable>();
  let manifest: { Layers: string[] }[] = [];
  for await (const e of readTar(streamOf(readFixture(`images/${name}/image.tar`)))) {
    if (e.path.endsWith('layer.tar')) byPath.set(e.path, await tableOfLayer(e.body));
    else if (e.path === 'manifest.json') manifest = JSON.parse(await new Response(e.body).text());
    else await e.body.cancel();
  }
  return manifest[0].Layers.map((p) => byPath.get(p)!);
}

interface ListedEntry {
  type: string;
  path: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: string;
  link?: string;
}

/** layers.txt: every header of every layer, as the fixture tool printed them. */
function listedLayers(name: string): ListedEntry[][] {
  const layers: ListedEntry[][] = [];
  const line = /^ {2}(\w+)\s+\S+ mode-field=(\d+) (\d+):(\d+) uname='[^']*' gname='[^']*' size=(\d+)\s+mtime=(\S+) (.*)$/;
  for (const text of readFileSync(join(fixturesDir, 'images', name, 'layers.txt'), 'utf8').split('\n')) {
    if (text.startsWith('=== layer')) layers.push([]);
    const m = line.exec(text);
    if (!m) continue;
    let rest = m[7].replace(/ {2}<-- .*$/, '').replace(/ dev \d+,\d+$/, '');
    let link: string | undefined;
    for (const sep of [' => hardlink to ', ' -> ']) {
      const at = rest.indexOf(sep);
      if (at >= 0) {
        link = rest.slice(at + sep.length);
        rest = rest.slice(0, at);
        break;
      }
    }
    const path = rest.replace(/^\.\//, '').replace(/\/$/, '') || '.';
    layers.at(-1)!.push({ type: m[1], path, mode: parseInt(m[2], 8) & 0o7777, uid: +m[3], gid: +m[4], size: +m[5], mtime: m[6], link });
  }
  return layers;
}

/** What layers.txt says each layer changed, derived from the listing alone (Docker's whiteout rules, dive's Modified). */
function expectedChanges(layers: ListedEntry[][]): { added: string[]; modified: string[]; removed: string[] }[] {
  const view = new Map<string, ListedEntry>();
  const under = (dir: string, p: string) => dir === '.' || p.startsWith(`${dir}/`);
  return layers.map((entries) => {
    const removed = new Map<string, ListedEntry>();
    for (const e of entries) {
      const base = e.path.split('/').at(-1)!;
      const dir = e.path.includes('/') ? e.path.slice(0, e.path.lastIndexOf('/')) : '.';
      if (base === '.wh..wh..opq') {
        for (const [p, v] of view) if (under(dir, p)) removed.set(p, v);
      } else if (base.startsWith('.wh.')) {
        const target = (dir === '.' ? '' : `${dir}/`) + base.slice(4);
        for (const [p, v] of view) if (p === target || under(target, p)) removed.set(p, v);
      }
    }
    for (const p of removed.keys()) view.delete(p);
    const added: string[] = [];
    const modified = new Set<string>();
    const unchangedDirs: string[] = [];
    for (const e of entries) {
      if (e.path === '.' || e.path.split('/').some((part) => part.startsWith('.wh.'))) continue;
      const before = removed.get(e.path) ?? view.get(e.path);
      removed.delete(e.path);
      view.set(e.path, e);
      if (!before) added.push(e.path);
      else if (
        before.type !== e.type ||
        before.mode !== e.mode ||
        before.uid !== e.uid ||
        before.gid !== e.gid ||
        (e.type !== 'dir' && before.size !== e.size) ||
        (e.type === 'file' && before.mtime !== e.mtime) ||
        before.link !== e.link
      )
        modified.add(e.path);
      else if (e.type === 'dir') unchangedDirs.push(e.path);
    }
    const touched = [...added, ...modified, ...removed.keys()];
    for (const d of unchangedDirs) if (touched.some((p) => p.startsWith(`${d}/`))) modified.add(d);
    return { added: added.sort(), modified: [...modified].sort(), removed: [...removed.keys()].sort() };
  });
}

const pathsOf = (changes: { path: string; change: string }[], kind: string) => changes.filter((c) => c.change === kind).map((c) => c.path).sort();

describe('per-layer changes agree with layers.txt', () => {
  for (const name of fixtureImages) {
    it(name, async () => {
      const tables = await fixtureTables(name);
      const listed = listedLayers(name);
      expect(tables.map((t) => t.paths.length)).toEqual(listed.map((l) => l.length));
      const expected = expectedChanges(listed);
      const stack = new LayerStack(tables);
      for (let k = 0; k < tables.length; k++) {
        const own = stack.applyNext();
        expect({ layer: k, added: pathsOf(own.changes, 'added'), modified: pathsOf(own.changes, 'modified'), removed: pathsOf(own.changes, 'removed') }).toEqual({
          layer: k,
          ...expected[k],
        });
      }
    });
  }
});

it('02-whiteout: layer 2 removes a base symlink, a file and a whole directory; parents are modified', async () => {
  const a = analyzeLayers(await fixtureTables('02-whiteout').then((ts) => ts.map((table, i) => ({ diffId: `l${i}`, table }))));
  const l2 = a.layers[2];
  expect(pathsOf(l2.changes, 'removed')).toEqual(['bin/httpd', 'data/remove-me.txt', 'data/subdir', 'data/subdir/a.txt', 'data/subdir/nested', 'data/subdir/nested/b.txt']);
  expect(pathsOf(l2.changes, 'modified')).toEqual(['bin', 'data']);
  expect(l2.changes.find((c) => c.path === 'bin/httpd')).toMatchObject({ kind: 'l', link: 'busybox', from: 0, by: 'whiteout' });
  expect(l2.counts).toEqual({ added: 0, modified: 2, removed: 6, unchanged: 0 });
  expect(l2.bytes.removed).toBe(7 + 2 + 2);
});

it('03-opaque: the opaque directory removes what was below it, the re-added file stays', async () => {
  const tables = await fixtureTables('03-opaque');
  const a = analyzeLayers(tables.map((table, i) => ({ diffId: `l${i}`, table })));
  const l2 = a.layers[2];
  expect(l2.opaqueDirs).toEqual(['config']);
  expect(l2.changes.filter((c) => c.by === 'opaque').map((c) => c.path)).toEqual(['config/a.conf', 'config/b.conf', 'config/old-sub', 'config/old-sub/x.conf']);
  expect(l2.changes.filter((c) => c.by === 'whiteout').map((c) => c.path)).toEqual(['contrast/a.conf', 'contrast/b.conf']);
  expect([...viewAt(tables).keys()].filter((p) => p.startsWith('con')).sort()).toEqual(['config', 'config/c.conf', 'contrast', 'contrast/c.conf']);
});

it('04-links: hard links and symlinks stay links; the cross-layer hard link is a modification', async () => {
  const tables = await fixtureTables('04-links');
  const view = viewAt(tables);
  expect(view.get('links/hardlink.txt')).toMatchObject({ kind: 'h', link: 'links/dir/hardlink-in-subdir.txt', size: 0 });
  expect(view.get('links/target.txt')).toMatchObject({ kind: 'h', link: 'links/hardlink-later.txt' });
  expect(view.get('links/escape-symlink')).toMatchObject({ kind: 'l', link: '../../../../../../bin/busybox' });
  expect(view.get('links/chardev')).toMatchObject({ kind: 'c' });
  const l2 = analyzeLayers(tables.map((table, i) => ({ diffId: `l${i}`, table }))).layers[2];
  expect(l2.changes.find((c) => c.path === 'links/target.txt')).toMatchObject({ change: 'modified', what: ['link'] });
});

it('05-perms: mode, owner and mtime-only changes are modifications, each named', async () => {
  const a = analyzeLayers((await fixtureTables('05-perms')).map((table, i) => ({ diffId: `l${i}`, table })));
  const what = Object.fromEntries(a.layers[4].changes.map((c) => [c.path, c.what]));
  expect(what).toEqual({
    perm: ['children'],
    'perm/dir': ['mode'],
    'perm/mode.txt': ['mode'],
    'perm/owner.txt': ['owner'],
    'perm/setuid.txt': ['mode'],
    'perm/sticky': ['mode'],
    'perm/touched.txt': ['content'],
  });
});

/** `docker export | tar -tvf` of the fixture's container. */
function exported(name: string): Map<string, { type: string; mode: number; size: number; link?: string }> {
  const out = new Map<string, { type: string; mode: number; size: number; link?: string }>();
  const line = /^(\S)(\S{9}) \S+\/\S+\s+(\S+) \S+ \S+ (.*)$/;
  const bits = (s: string) => {
    let m = 0;
    const r = 'rwxrwxrwx';
    for (let i = 0; i < 9; i++) if (s[i] !== '-' && !(i % 3 === 2 && (s[i] === 'S' || s[i] === 'T'))) m |= 1 << (8 - i);
    if (/[sS]/.test(s[2])) m |= 0o4000;
    if (/[sS]/.test(s[5])) m |= 0o2000;
    if (/[tT]/.test(s[8])) m |= 0o1000;
    return r && m;
  };
  for (const text of readFileSync(join(fixturesDir, 'images', name, 'container-export-tvf.txt'), 'utf8').split('\n')) {
    const m = line.exec(text);
    if (!m) continue;
    let rest = m[4];
    let link: string | undefined;
    for (const sep of [' link to ', ' -> ']) {
      const at = rest.indexOf(sep);
      if (at >= 0) {
        link = rest.slice(at + sep.length);
        rest = rest.slice(0, at);
        break;
      }
    }
    out.set(rest.replace(/\/$/, ''), { type: m[1], mode: bits(m[2]), size: m[3].includes(',') ? 0 : +m[3], link });
  }
  return out;
}

const dockerAdds = new Set(['.dockerenv', 'dev', 'dev/console', 'dev/pts', 'dev/shm', 'etc', 'etc/hostname', 'etc/hosts', 'etc/mtab', 'etc/resolv.conf', 'proc', 'sys']);
const typeLetter: Record<string, string> = { f: '-', h: '-', l: 'l', d: 'd', c: 'c', b: 'b', p: 'p' };

describe('the aggregated top layer is the image part of docker export', () => {
  for (const name of fixtureImages) {
    it(name, async () => {
      const view = viewAt(await fixtureTables(name));
      const exp = exported(name);
      const diff = readFileSync(join(fixturesDir, 'images', name, 'container-diff.sorted.txt'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => ({ kind: l[0], path: l.slice(3) }));
      const touched = (kind: string, p: string) => diff.some((d) => d.kind === kind && (d.path === p || p.startsWith(`${d.path}/`)));
      const fileOf = (f: FileFacts): FileFacts => (f.kind === 'h' && f.link ? (view.get(f.link) ?? f) : f);
      for (const [path, f] of view) {
        if (touched('D', path)) {
          expect(exp.has(path), `${path} was deleted by the container`).toBe(false);
          continue;
        }
        const e = exp.get(path);
        expect(e, `${path} in the export`).toBeDefined();
        if (touched('C', path) || dockerAdds.has(path)) continue;
        const real = fileOf(f);
        expect({ path, type: typeLetter[real.kind], mode: f.mode, size: real.kind === 'f' ? real.size : 0, link: f.kind === 'l' ? f.link : undefined }).toEqual({
          path,
          type: e!.type === 'h' ? '-' : e!.type,
          mode: e!.mode,
          size: e!.type === '-' || e!.type === 'h' ? e!.size : 0,
          link: e!.type === 'l' ? e!.link : undefined,
        });
      }
      for (const path of exp.keys()) {
        if (!view.has(path)) expect(touched('A', path) || dockerAdds.has(path), `${path} comes from the image or the container`).toBe(true);
      }
    });
  }
});

describe('efficiency, by hand', () => {
  it("02-whiteout: dive's figures and ours", async () => {
    const tables = await fixtureTables('02-whiteout');
    const d = diveFigures(tables);
    // Leaves: busybox 1982256, 11 symlinks 0; keep 5, remove-me 7, a 2, b 2; whiteouts: httpd 0, remove-me 0, subdir 2+2.
    expect(d.efficiency).toBe(1982269 / 1982276);
    expect(d.wastedBytes).toBe(7);
    expect(d.userSizeBytes).toBe(16);
    expect(d.wastedUserPercent).toBe(7 / 16);
    expect(d.inefficiencies).toEqual([
      { path: '/data/remove-me.txt', count: 2, cumulativeSize: 7 },
      { path: '/bin/httpd', count: 2, cumulativeSize: 0 },
    ]);
    const a = analyzeLayers(tables.map((table, i) => ({ diffId: `l${i}`, table })));
    expect(a.honest).toMatchObject({ imageSize: 1982256 + 11 * 7 + 16, userSize: 16, wastedBytes: 11, deletedShippedBytes: 11, overwrittenBytes: 0, userWastedBytes: 11 });
    expect(a.honest.userWastedPercent).toBe(11 / 16);
    expect(a.honest.efficiency).toBe((1982272 - 11) / 1982272);
    expect(a.layers.map((l) => l.wastedBytes)).toEqual([0, 11, 0]);
  });

  it("03-opaque: dive ignores the opaque directory's 10 bytes, we do not", async () => {
    const tables = await fixtureTables('03-opaque');
    const d = diveFigures(tables);
    expect(d.efficiency).toBe(1982278 / 1982286);
    expect(d.wastedBytes).toBe(8);
    expect(d.userSizeBytes).toBe(30);
    expect(d.wastedUserPercent).toBe(8 / 30);
    const a = analyzeLayers(tables.map((table, i) => ({ diffId: `l${i}`, table })));
    expect(a.honest).toMatchObject({ wastedBytes: 18, deletedShippedBytes: 18, userSize: 30 });
    expect(a.wastedPaths.map((w) => [w.path, w.wastedBytes])).toEqual([
      ['config/a.conf', 4],
      ['config/b.conf', 4],
      ['contrast/a.conf', 4],
      ['contrast/b.conf', 4],
      ['config/old-sub/x.conf', 2],
    ]);
  });
});
