import type { TarEntry, TarEntryType } from '../layer/index.js';
import { dockerModeField } from '../layer/index.js';
import type { FileKind, FileStat, FileTree } from '../lifecycle/index.js';

/** Host names for owner IDs, as Go's archive/tar looks them up. */
export interface OwnerNames {
  userName(uid: number): string;
  groupName(gid: number): string;
}

const typeOfKind: Record<FileKind, TarEntryType | undefined> = {
  file: 'file',
  directory: 'directory',
  symlink: 'symlink',
  char: 'char',
  block: 'block',
  fifo: 'fifo',
  socket: undefined,
};

export const CAPABILITY_XATTR = 'security.capability';
const CAPABILITY_PAX = `SCHILY.xattr.${CAPABILITY_XATTR}`;

/**
 * The tar header Docker writes for a file (moby's archive.FileInfoHeader): mode with the stat
 * file-type bits, mtime truncated to the second, no atime/ctime, host user and group names, the
 * `security.capability` xattr as a PAX record. Undefined for sockets, which Docker skips.
 */
export function dockerTarEntry(name: string, stat: FileStat, owners: OwnerNames, xattrs?: Record<string, Uint8Array>): TarEntry | undefined {
  const type = typeOfKind[stat.kind];
  if (!type) return undefined;
  const mode = stat.mode & 0o7777;
  const capability = xattrs?.[CAPABILITY_XATTR];
  return {
    path: type === 'directory' && !name.endsWith('/') ? `${name}/` : name,
    type,
    typeflag: '',
    mode,
    rawMode: dockerModeField(type, mode),
    uid: stat.uid,
    gid: stat.gid,
    uname: owners.userName(stat.uid),
    gname: owners.groupName(stat.gid),
    size: type === 'file' ? stat.size : 0,
    mtime: Number(stat.mtimeNs / 1_000_000_000n),
    linkname: type === 'symlink' ? (stat.linkTarget ?? '') : '',
    devmajor: type === 'char' || type === 'block' ? stat.rdevMajor : 0,
    devminor: type === 'char' || type === 'block' ? stat.rdevMinor : 0,
    pax: capability ? { [CAPABILITY_PAX]: capability } : {},
    format: 'ustar',
  };
}

/** Tracks hard link groups: the first path of an inode carries the data, later ones link to it. */
export class HardLinkGroups {
  private readonly seen = new Map<bigint, string>();

  /** Turns `entry` into a hard link when its inode was already written (Docker: not for directories). */
  link(entry: TarEntry, stat: FileStat): TarEntry {
    if (stat.kind === 'directory' || stat.nlink <= 1 || stat.ino === 0n) return entry;
    const first = this.seen.get(stat.ino);
    if (first === undefined) {
      this.seen.set(stat.ino, entry.path);
      return entry;
    }
    return { ...entry, type: 'hardlink', typeflag: '1', linkname: first, size: 0 };
  }
}

/** `a` joined with `b` as relative tree paths (`''` is the root). */
export const joinTreePath = (a: string, b: string): string => (a === '' ? b : `${a}/${b}`);

/** Files up to this size are read whole (when the tree can) instead of streamed. */
const SMALL_FILE = 1 << 20;

/** The body of a file entry: the bytes themselves for a small file, else a stream. */
export async function entryBody(tree: FileTree, path: string, size: number): Promise<ReadableStream<Uint8Array> | Uint8Array> {
  return size <= SMALL_FILE && tree.readBytes ? tree.readBytes(path, size) : tree.read(path);
}
