import type { FileKind, FileStat } from '../lifecycle/index.js';

/**
 * Docker's init layer (daemon/initlayer): what dockerd puts between the image and every
 * container's writable layer, as empty placeholders for what it mounts over. `docker diff` and
 * `docker commit` never show them; `docker export` has them all.
 */
export const INIT_LAYER: ReadonlyArray<{ path: string; kind: FileKind; linkTarget?: string }> = [
  { path: '.dockerenv', kind: 'file' },
  { path: 'dev', kind: 'directory' },
  { path: 'dev/console', kind: 'file' },
  { path: 'dev/pts', kind: 'directory' },
  { path: 'dev/shm', kind: 'directory' },
  { path: 'etc', kind: 'directory' },
  { path: 'etc/hostname', kind: 'file' },
  { path: 'etc/hosts', kind: 'file' },
  { path: 'etc/mtab', kind: 'symlink', linkTarget: '/proc/mounts' },
  { path: 'etc/resolv.conf', kind: 'file' },
  { path: 'proc', kind: 'directory' },
  { path: 'sys', kind: 'directory' },
];

const byPath = new Map(INIT_LAYER.map((e) => [e.path, e]));

/** Mount points whose contents belong to the mount, never to the container's layers. */
const MOUNTED_TREES = new Set(['dev', 'proc', 'sys']);

/**
 * True for a path the runtime mounts over (or dockerd would): the `/etc` files, `/.dockerenv`
 * and everything under `/dev`, `/proc` and `/sys`. Directories that merely hold them (`/etc`) are not.
 */
export function isMountPlaceholder(path: string): boolean {
  const top = path.split('/', 1)[0];
  if (MOUNTED_TREES.has(top)) return true;
  const e = byPath.get(path);
  return e !== undefined && e.kind !== 'directory';
}

/** The init layer's entry at `path` as lstat would show it (root-owned, 0755; the mtab link 0777). */
export function initLayerStat(path: string, mtimeNs: bigint): FileStat | undefined {
  const e = byPath.get(path);
  if (!e) return undefined;
  return {
    kind: e.kind,
    mode: e.kind === 'symlink' ? 0o777 : 0o755,
    uid: 0,
    gid: 0,
    size: e.linkTarget?.length ?? 0,
    mtimeNs,
    ino: 0n,
    nlink: 1,
    rdevMajor: 0,
    rdevMinor: 0,
    ...(e.linkTarget ? { linkTarget: e.linkTarget } : {}),
  };
}

/** Names the init layer puts directly in directory `dir` (`''` = the root). */
export function initLayerChildren(dir: string): string[] {
  const prefix = dir === '' ? '' : `${dir}/`;
  return INIT_LAYER.filter((e) => e.path.startsWith(prefix) && !e.path.slice(prefix.length).includes('/') && e.path !== dir).map((e) => e.path.slice(prefix.length));
}
