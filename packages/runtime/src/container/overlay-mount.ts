import { readFile, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { StrataError } from '@strata/core';
import { runCommand } from '../host-command.js';
import { MNT_DETACH, errnoName, mountSyscalls } from './mount-syscalls.js';

/** Mount points of the engine's mount namespace (field 5 of /proc/self/mountinfo, octal escapes undone). */
export async function mountPoints(): Promise<Set<string>> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  const points = new Set<string>();
  for (const line of text.split('\n')) {
    const field = line.split(' ')[4];
    if (field) points.add(field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))));
  }
  return points;
}

export const isMounted = async (path: string): Promise<boolean> => (await mountPoints()).has(path);

/** mount(2) takes at most one page of options; longer ones go through mount(8) run in the snapshots dir. */
const PAGE = 4096;

/**
 * Mount the container's root: the snapshots (top first) as lower dirs under its upper dir. The
 * syscall gets absolute paths while they fit in a page; past that, mount(8) runs in the snapshots
 * dir with relative ones (runtime-recipes §2). `volatile` skips every sync of the upper dir (for
 * containers that are removed when they exit: no crash can need their writes). `fresh`: the work dir
 * was made just now, so no earlier volatile mount left its marker there.
 */
export async function mountOverlay(o: { snapshotsDir: string; lowers: string[]; upper: string; work: string; merged: string; volatile?: boolean; fresh?: boolean }): Promise<void> {
  const syscalls = mountSyscalls();
  const extra = `index=off${o.volatile ? ',volatile' : ''}`;
  if (o.volatile && !o.fresh) await rm(join(o.work, 'work', 'incompat', 'volatile'), { recursive: true, force: true });
  const absolute = `lowerdir=${[...o.lowers].reverse().map((l) => join(o.snapshotsDir, l)).join(':')},upperdir=${o.upper},workdir=${o.work},${extra}`;
  if (syscalls && absolute.length < PAGE) {
    const errno = syscalls.mount('overlay', o.merged, 'overlay', 0, absolute);
    if (errno !== 0) throw new StrataError('internal', `mounting the container root failed: ${errnoName(errno)}`);
    return;
  }
  const lowerdir = [...o.lowers].reverse().join(':');
  const options = `lowerdir=${lowerdir},upperdir=${relative(o.snapshotsDir, o.upper)},workdir=${relative(o.snapshotsDir, o.work)},${extra}`;
  const r = await runCommand('mount', ['-t', 'overlay', 'overlay', '-o', options, o.merged], { cwd: o.snapshotsDir });
  if (r.code !== 0) throw new StrataError('internal', `mounting the container root failed: ${r.stderr.trim()}`);
}

/** Unmount `path` if it is a mount point (lazily when it is still busy). */
export async function unmount(path: string): Promise<void> {
  if (!(await isMounted(path))) return;
  const syscalls = mountSyscalls();
  if (syscalls) {
    if ((await syscalls.umount(path, 0)) || (await syscalls.umount(path, MNT_DETACH))) return;
    if (await isMounted(path)) throw new StrataError('internal', `unmounting ${path} failed`);
    return;
  }
  const r = await runCommand('umount', [path]);
  if (r.code === 0) return;
  const lazy = await runCommand('umount', ['-l', path]);
  if (lazy.code !== 0 && (await isMounted(path))) throw new StrataError('internal', `unmounting ${path} failed: ${r.stderr.trim()}`);
}
