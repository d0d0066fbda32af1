import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mountSyscalls } from './mount-syscalls.js';
import { isMounted, mountOverlay, unmount } from './overlay-mount.js';

const skip = process.platform !== 'linux' ? 'Linux only' : process.getuid?.() !== 0 ? 'mounting needs root' : '';
if (skip) console.log(`overlay-mount tests skipped: ${skip}`);

describe.skipIf(skip !== '')('overlay root mounts', () => {
  let dir = '';
  afterEach(async () => {
    if (!dir) return;
    await unmount(join(dir, 'merged')).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    dir = '';
  });

  /** A snapshots dir with `count` one-file lower layers (long names to fill the option page). */
  async function layout(count: number, nameLength = 8) {
    dir = await mkdtemp(join(tmpdir(), 'strata-overlay-'));
    const snapshots = join(dir, 'snapshots');
    const lowers: string[] = [];
    for (let i = 0; i < count; i++) {
      const name = `${String(i).padStart(3, '0')}-${'x'.repeat(nameLength)}`;
      await mkdir(join(snapshots, name), { recursive: true });
      await writeFile(join(snapshots, name, 'layer'), `${i}\n`);
      await writeFile(join(snapshots, name, `only-${i}`), '');
      lowers.push(name);
    }
    for (const d of ['upper', 'work', 'merged']) await mkdir(join(dir, d));
    return { snapshotsDir: snapshots, lowers, upper: join(dir, 'upper'), work: join(dir, 'work'), merged: join(dir, 'merged') };
  }

  it('mounts through mount(2) in-process: the top layer wins, writes go to the upper dir, unmount leaves no mount', async () => {
    expect(mountSyscalls()).toBeDefined();
    const o = await layout(3);
    await mountOverlay(o);
    expect(await isMounted(o.merged)).toBe(true);
    expect(await readFile(join(o.merged, 'layer'), 'utf8')).toBe('2\n');
    expect(['only-0', 'only-1', 'only-2'].every((f) => existsSync(join(o.merged, f)))).toBe(true);
    await writeFile(join(o.merged, 'new'), 'n');
    expect(await readFile(join(o.upper, 'new'), 'utf8')).toBe('n');
    await unmount(o.merged);
    expect(await isMounted(o.merged)).toBe(false);
    await unmount(o.merged); // not mounted any more: nothing to do
  });

  it('options longer than a page go through mount(8) with paths relative to the snapshots dir', async () => {
    const o = await layout(40, 64);
    await mountOverlay(o);
    expect(await isMounted(o.merged)).toBe(true);
    expect(await readFile(join(o.merged, 'layer'), 'utf8')).toBe('39\n');
    await unmount(o.merged);
    expect(await isMounted(o.merged)).toBe(false);
  });

  it('a volatile mount can be made again after its unmount (the incompat marker is cleared first)', async () => {
    const o = await layout(1);
    await mountOverlay({ ...o, volatile: true });
    await writeFile(join(o.merged, 'kept'), 'k');
    await unmount(o.merged);
    expect(existsSync(join(o.work, 'work', 'incompat', 'volatile'))).toBe(true);
    await mountOverlay({ ...o, volatile: true });
    expect(await readFile(join(o.merged, 'kept'), 'utf8')).toBe('k');
  });

  it('a failed mount says why', async () => {
    const o = await layout(1);
    await expect(mountOverlay({ ...o, lowers: ['missing'] })).rejects.toThrow(/^mounting the container root failed: ENOENT$/);
  });
});
