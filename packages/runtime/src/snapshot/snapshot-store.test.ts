import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { lstat, mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeCodecs, nodeHasher } from '@strata/storage';
import { fixtureRoot, type FixtureRoot } from '../testing/fixture-images.js';
import { SnapshotStore } from './snapshot-store.js';

const root = process.getuid?.() === 0;
const hasGetfattr = existsSync('/usr/bin/getfattr');

describe.skipIf(!root || !hasGetfattr)('SnapshotStore (skipped unless root with getfattr: apt-get install attr)', () => {
  let fx: FixtureRoot;
  let store: SnapshotStore;
  const mounted: string[] = [];

  beforeAll(async () => {
    fx = await fixtureRoot(['01-base', '02-whiteout', '03-opaque']);
    store = new SnapshotStore({ dir: join(fx.dir, 'snapshots'), content: fx.dataRoot.content, codecs: nodeCodecs, hasher: nodeHasher });
  });
  afterAll(async () => {
    for (const m of mounted) execFileSync('umount', [m]);
    await fx?.close();
  });

  const overlay = async (names: string[], at: string): Promise<string> => {
    for (const d of ['upper', 'work', 'merged']) await mkdir(join(at, d), { recursive: true });
    const lower = names.map((n) => join(store.dir, n)).reverse().join(':');
    execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lower},upperdir=${at}/upper,workdir=${at}/work`, `${at}/merged`]);
    mounted.push(`${at}/merged`);
    return `${at}/merged`;
  };

  it('unpacks each layer once under its chainID; the base layer is shared by every image that has it', async () => {
    const base = await store.ensure(fx.layers['01-base']);
    const whiteout = await store.ensure(fx.layers['02-whiteout']);
    expect(base).toHaveLength(1);
    expect(whiteout[0]).toBe(base[0]);
    // chainID of a single layer is its diffID.
    expect(base[0]).toBe(fx.layers['01-base'][0].diffId.slice('sha256:'.length));
    const busybox = await stat(join(store.dir, base[0], 'bin/busybox'));
    expect(busybox.size).toBe(1982256);
    expect(busybox.mode & 0o7777).toBe(0o755);
    expect((await lstat(join(store.dir, base[0], 'bin/sh'))).isSymbolicLink()).toBe(true);
    const again = await store.ensure(fx.layers['01-base']);
    expect(again).toEqual(base);
    expect((await readdir(store.dir)).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('turns .wh. files into 0:0 char devices and opaque markers into trusted.overlay.opaque', async () => {
    const [, , top] = await store.ensure(fx.layers['02-whiteout']);
    for (const gone of ['bin/httpd', 'data/remove-me.txt', 'data/subdir']) {
      const st = await lstat(join(store.dir, top, gone));
      expect(st.isCharacterDevice()).toBe(true);
      expect(st.rdev).toBe(0);
    }
    expect((await readdir(join(store.dir, top, 'data'))).some((n) => n.startsWith('.wh.'))).toBe(false);
    const [, , opqTop] = await store.ensure(fx.layers['03-opaque']);
    const xattrs = execFileSync('getfattr', ['-R', '-P', '-h', '--absolute-names', '-d', '-m', '^trusted\\.overlay\\.opaque$', '-e', 'text', join(store.dir, opqTop)]).toString();
    expect(xattrs).toContain(`# file: ${join(store.dir, opqTop, 'config')}\ntrusted.overlay.opaque="y"`);
    expect(xattrs).not.toContain('contrast');
    expect(existsSync(join(store.dir, opqTop, 'config/.wh..wh..opq'))).toBe(false);
  });

  it('an overlay of the snapshots shows the image as Docker builds it', async () => {
    const names = await store.ensure(fx.layers['03-opaque']);
    const merged = await overlay(names, join(fx.dir, 'c-opaque'));
    expect((await readdir(join(merged, 'config'))).sort()).toEqual(['c.conf']);
    expect((await readdir(join(merged, 'contrast'))).sort()).toEqual(['c.conf']);
    expect(await readFile(join(merged, 'config/c.conf'), 'utf8')).toBe('fresh\n');
    const wnames = await store.ensure(fx.layers['02-whiteout']);
    const wmerged = await overlay(wnames, join(fx.dir, 'c-whiteout'));
    expect(existsSync(join(wmerged, 'bin/httpd'))).toBe(false);
    expect(existsSync(join(wmerged, 'data/subdir'))).toBe(false);
    expect(existsSync(join(wmerged, 'bin/busybox'))).toBe(true);
  });

  it('removeUnused keeps what is asked for and deletes the rest', async () => {
    while (mounted.length > 0) execFileSync('umount', [mounted.pop()!]);
    const keep = await store.ensure(fx.layers['01-base']);
    const all = (await readdir(store.dir)).sort();
    expect(all.length).toBeGreaterThan(1);
    const removed = await store.removeUnused(keep);
    expect(removed.sort()).toEqual(all.filter((n) => !keep.includes(n)));
    expect(await readdir(store.dir)).toEqual(keep);
  });
});
