import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { StrataError } from '@strata/core';
import { runCommand } from '../host-command.js';

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

/**
 * Mount the container's root: the snapshots (top first) as lower dirs under its upper dir.
 * Paths are given relative to the snapshots dir (mount runs there), because mount(2) takes at most
 * one page of options (runtime-recipes §2).
 */
export async function mountOverlay(o: { snapshotsDir: string; lowers: string[]; upper: string; work: string; merged: string }): Promise<void> {
  const lowerdir = [...o.lowers].reverse().join(':');
  const options = `lowerdir=${lowerdir},upperdir=${relative(o.snapshotsDir, o.upper)},workdir=${relative(o.snapshotsDir, o.work)},index=off`;
  const r = await runCommand('mount', ['-t', 'overlay', 'overlay', '-o', options, o.merged], { cwd: o.snapshotsDir });
  if (r.code !== 0) throw new StrataError('internal', `mounting the container root failed: ${r.stderr.trim()}`);
}

/** Unmount `path` if it is a mount point (lazily when it is still busy). */
export async function unmount(path: string): Promise<void> {
  if (!(await isMounted(path))) return;
  const r = await runCommand('umount', [path]);
  if (r.code === 0) return;
  const lazy = await runCommand('umount', ['-l', path]);
  if (lazy.code !== 0 && (await isMounted(path))) throw new StrataError('internal', `unmounting ${path} failed: ${r.stderr.trim()}`);
}
