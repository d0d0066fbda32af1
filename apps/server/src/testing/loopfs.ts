// A fresh ext4 filesystem on a loop device, so that benchmarks give each engine the same clean
// filesystem: file creation under /tmp on these machines costs 18-566 µs per file and swings
// between runs, depending on what the shared disk has been through.
// mkfs runs with lazy_itable_init=0 and lazy_journal_init=0 so that no ext4lazyinit thread keeps
// writing inode tables in the background while a benchmark measures.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mountPointsUnder } from './dockerd.js';

/** A mounted loop ext4 made by {@link mountLoopExt4}. */
export interface LoopExt4 {
  /** The mount point: an empty ext4 root (with lost+found). */
  dir: string;
  /** The sparse image file behind the loop device. */
  image: string;
  /** The loop device, e.g. /dev/loop3. */
  device: string;
  /** Unmounts, detaches the loop device and removes the temp dir. */
  unmount(): Promise<void>;
}

/** Why no loop ext4 can be mounted here; tests use it with `it.skipIf`. */
export interface LoopExt4Skip {
  skip: string;
}

/** Why loop mounts cannot work on this machine, or undefined when they can be tried. */
export function loopExt4Unavailable(): string | undefined {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  if (process.getuid?.() !== 0) return 'not root';
  if (!existsSync('/dev/loop-control')) return 'no /dev/loop-control (loop module not loaded)';
  for (const tool of ['/usr/sbin/mkfs.ext4', '/usr/bin/mount', '/usr/sbin/losetup']) {
    if (!existsSync(tool)) return `${tool} missing`;
  }
  return undefined;
}

/** Makes a sparse `sizeMB` image in a temp dir, formats it ext4 and loop-mounts it. */
export async function mountLoopExt4(sizeMB: number, options: { baseDir?: string } = {}): Promise<LoopExt4 | LoopExt4Skip> {
  const unavailable = loopExt4Unavailable();
  if (unavailable) return { skip: `loop ext4 unavailable: ${unavailable}` };

  const root = await mkdtemp(join(options.baseDir ?? tmpdir(), 'strata-loopfs-'));
  const image = join(root, 'fs.img');
  const dir = join(root, 'mnt');
  const cleanup = () => release(root, image, dir);
  try {
    const file = await open(image, 'wx');
    await file.truncate(sizeMB * 1024 * 1024);
    await file.close();
    await mkdir(dir);
    const mkfs = spawnSync('/usr/sbin/mkfs.ext4', ['-q', '-F', '-m', '0', '-E', 'lazy_itable_init=0,lazy_journal_init=0', image], { encoding: 'utf8' });
    if (mkfs.status !== 0) throw new Error(`mkfs.ext4 failed: ${mkfs.stderr.trim() || mkfs.error?.message}`);
    // -n: do not record the mount in /run/mount/utab (nothing outside our temp dir is written).
    const mount = spawnSync('/usr/bin/mount', ['-n', '-t', 'ext4', '-o', 'loop', image, dir], { encoding: 'utf8' });
    if (mount.status !== 0) throw new Error(`mount -o loop failed: ${mount.stderr.trim() || mount.error?.message}`);
  } catch (err) {
    await cleanup();
    return { skip: `loop ext4 unavailable: ${(err as Error).message}` };
  }
  return { dir, image, device: loopDevicesOf(image)[0] ?? '', unmount: cleanup };
}

/** Loop devices backed by `image` (`losetup -j`). */
export function loopDevicesOf(image: string): string[] {
  const r = spawnSync('/usr/sbin/losetup', ['-j', image], { encoding: 'utf8' });
  if (r.status !== 0) return [];
  return r.stdout.split('\n').map((line) => line.split(':')[0]!).filter((d) => d.startsWith('/dev/'));
}

async function release(root: string, image: string, dir: string): Promise<void> {
  for (const point of mountPointsUnder(root).sort((a, b) => b.length - a.length)) {
    const r = spawnSync('/usr/bin/umount', ['-n', point], { encoding: 'utf8' });
    if (r.status !== 0) spawnSync('/usr/bin/umount', ['-n', '-l', point]);
  }
  // mount -o loop sets autoclear, so the device normally went with the umount; this catches the rest.
  for (const device of loopDevicesOf(image)) spawnSync('/usr/sbin/losetup', ['-d', device]);
  if (mountPointsUnder(dir).length > 0) throw new Error(`${dir} is still mounted`);
  await rm(root, { recursive: true, force: true });
}
