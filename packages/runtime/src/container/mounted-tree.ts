import { StrataError, type FileEntry, type FileName, type FileStat, type FileTree, type RuntimeMount } from '@strata/core';
import { HostTree } from './host-tree.js';

/** A bind mount (a volume or `-v /host:/path`) as the container sees it: its destination without the leading `/`. */
export interface MountedDirectory {
  destination: string;
  tree: HostTree;
  readOnly: boolean;
}

/** The bind mounts of a container, deepest destination first (the one that wins for a path). */
export function mountedDirectories(mounts: readonly RuntimeMount[] | undefined): MountedDirectory[] {
  return (mounts ?? [])
    .filter((m) => m.type === 'bind' && m.source !== '')
    .map((m) => ({ destination: m.destination.replace(/^\/+|\/+$/g, ''), tree: new HostTree(m.source), readOnly: m.readOnly }))
    .filter((m) => m.destination !== '')
    .sort((a, b) => b.destination.length - a.destination.length);
}

/** The mount that holds `path` (relative, `/`-separated) and the path inside it, if any. */
export function mountOf(mounts: readonly MountedDirectory[], path: string): { mount: MountedDirectory; rest: string } | undefined {
  for (const mount of mounts) {
    if (path === mount.destination) return { mount, rest: '' };
    if (path.startsWith(`${mount.destination}/`)) return { mount, rest: path.slice(mount.destination.length + 1) };
  }
  return undefined;
}

/**
 * The container's root as docker cp sees it: the mounted root, except under a bind mount's
 * destination, where the mount's source is read (Docker copies in the container's mount
 * namespace, so a volume's files are what `docker cp` reads and writes there). Each source is a
 * HostTree of its own: nothing read through it leaves the source.
 */
export class MountedTree implements FileTree {
  constructor(
    private readonly base: HostTree,
    private readonly mounts: readonly MountedDirectory[],
  ) {}

  private route(path: string): { tree: HostTree; path: string } {
    const found = mountOf(this.mounts, path);
    return found ? { tree: found.mount.tree, path: found.rest } : { tree: this.base, path };
  }

  lstat(path: string): Promise<FileStat | undefined> {
    const r = this.route(path);
    return r.tree.lstat(r.path);
  }

  list(path: string): Promise<FileEntry[]> {
    const r = this.route(path);
    return r.tree.list(r.path);
  }

  names(path: string): Promise<FileName[]> {
    const r = this.route(path);
    return r.tree.names(r.path);
  }

  read(path: string): ReadableStream<Uint8Array> {
    const r = this.route(path);
    return r.tree.read(r.path);
  }

  readBytes(path: string, size?: number): Promise<Uint8Array> {
    const r = this.route(path);
    return r.tree.readBytes(r.path, size);
  }

  xattrs(path: string, only?: readonly string[]): Promise<Record<string, Uint8Array>> {
    const r = this.route(path);
    return r.tree.xattrs(r.path, only);
  }
}

/** moby's ErrVolumeReadonly, for docker cp into a read-only mount. */
export const readOnlyMount = (): StrataError => new StrataError('forbidden', 'mounted volume is marked read-only');
