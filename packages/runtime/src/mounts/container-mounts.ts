import { cp, mkdir, readdir, stat } from 'node:fs/promises';
import { invalid, type RuntimeMount } from '@strata/core';
import { runCommand } from '../host-command.js';
import { resolveInRoot } from '../container/rootfs-path.js';

/** The OCI `mounts` entries of a container's volumes, binds and tmpfs, parents before children. */
export function ociMounts(mounts: readonly RuntimeMount[]): Array<Record<string, unknown>> {
  const depth = (p: string) => p.split('/').filter(Boolean).length;
  return [...mounts]
    .sort((a, b) => depth(a.destination) - depth(b.destination))
    .map((m) =>
      m.type === 'tmpfs'
        ? { destination: m.destination, type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'noexec', ...(m.options ?? []), ...(m.readOnly ? ['ro'] : [])] }
        : { destination: m.destination, type: 'bind', source: m.source, options: ['rbind', m.propagation || 'rprivate', ...(m.readOnly ? ['ro'] : [])] },
    );
}

async function isEmptyDir(path: string): Promise<boolean> {
  return (await readdir(path).catch(() => ['?'])).length === 0;
}

/**
 * Ready the host side of a container's mounts before its first run: a missing `-v` host
 * directory is made (as dockerd does), and an empty volume is filled with what the image holds at
 * the mount point, ownership and modes kept (dockerd's copy-on-first-mount).
 */
export async function prepareMountSources(rootfs: string, mounts: readonly RuntimeMount[]): Promise<void> {
  for (const m of mounts) {
    if (m.type !== 'bind') continue;
    if (m.createHostPath) {
      const st = await stat(m.source).catch(() => undefined);
      if (!st) await mkdir(m.source, { recursive: true, mode: 0o755 });
    } else {
      await stat(m.source).catch(() => {
        throw invalid(`invalid mount config for type "bind": bind source path does not exist: ${m.source}`);
      });
    }
    if (!m.copyImageData || !(await isEmptyDir(m.source))) continue;
    const inImage = await resolveInRoot(rootfs, m.destination);
    const st = await stat(inImage).catch(() => undefined);
    if (!st?.isDirectory()) continue;
    // GNU cp keeps owners, modes, xattrs and hard links, and gives the volume root the image dir's mode.
    const r = await runCommand('cp', ['-a', '--', `${inImage}/.`, `${m.source}/`]);
    if (r.code !== 0) {
      await cp(`${inImage}/`, `${m.source}/`, { recursive: true, preserveTimestamps: true }).catch(() => {
        throw new Error(`copying image content into the volume at ${m.destination}: ${r.stderr.trim()}`);
      });
    }
  }
}
