import { closeSync, constants, lstatSync, openSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import type { FileStat } from '@strata/core';
import { libcFunctions } from '../monitor/libc.js';

/** What lstat tells of a host path: the core's FileStat with st_mode whole (type bits included) for its kind. */
export type HostStat = Omit<FileStat, 'kind' | 'linkTarget'>;

const S_IFMT = 0o170000;
export const isDirectoryStat = (st: HostStat) => (st.mode & S_IFMT) === 0o040000;
export const isSymlinkStat = (st: HostStat) => (st.mode & S_IFMT) === 0o120000;
export const isCharStat = (st: HostStat) => (st.mode & S_IFMT) === 0o020000;
export const isFileStat = (st: HostStat) => (st.mode & S_IFMT) === 0o100000;
export const isBlockStat = (st: HostStat) => (st.mode & S_IFMT) === 0o060000;
export const isFifoStat = (st: HostStat) => (st.mode & S_IFMT) === 0o010000;

type Statx = (dirfd: number, path: string, flags: number, mask: number, out: Uint8Array) => number;

/** statx(2) through koffi (undefined where there is none: not Linux, no koffi, no glibc statx). */
const loadStatx = libcFunctions((lib, koffi) => ({
  call: lib.func('int statx(int dirfd, const char *path, int flags, unsigned int mask, _Out_ uint8_t *out)') as Statx,
  errno: () => koffi.errno(),
}));

const AT_FDCWD = -100;
const AT_SYMLINK_NOFOLLOW = 0x100;
/** STATX_TYPE | MODE | NLINK | UID | GID | MTIME | INO | SIZE: what HostStat holds. */
const STATX_WANTED = 0x1 | 0x2 | 0x4 | 0x8 | 0x10 | 0x40 | 0x100 | 0x200;
const ENOENT = osConstants.errno.ENOENT;
const ENOTDIR = osConstants.errno.ENOTDIR;
const errnoNames = new Map(Object.entries(osConstants.errno).map(([name, n]) => [n, name]));

/** struct statx (the same on every Linux architecture). */
const out = new Uint8Array(256);
const view = new DataView(out.buffer);

function fromStatx(): HostStat {
  return {
    mode: view.getUint16(28, true),
    uid: view.getUint32(20, true),
    gid: view.getUint32(24, true),
    size: Number(view.getBigUint64(40, true)),
    mtimeNs: view.getBigInt64(112, true) * 1_000_000_000n + BigInt(view.getUint32(120, true)),
    ino: view.getBigUint64(32, true),
    nlink: view.getUint32(16, true),
    rdevMajor: view.getUint32(128, true),
    rdevMinor: view.getUint32(132, true),
  };
}

/**
 * The directories whose names are being looked up, held open until the current burst of
 * synchronous lookups is over (the next turn of the event loop): a diff of 1,000 files in one
 * directory resolves one name each instead of the whole path 1,000 times. A diff goes back and
 * forth between a directory of the writable layer and the same one in the image, so a few are held.
 */
const HELD = 4;
const held: Array<{ dir: string; fd: number }> = [];
let releaseQueued = false;

function release(): void {
  releaseQueued = false;
  for (const h of held.splice(0)) closeSync(h.fd);
}

function dirFd(dir: string): number {
  for (const h of held) if (h.dir === dir) return h.fd;
  let fd: number;
  try {
    fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  } catch {
    return AT_FDCWD;
  }
  if (held.length >= HELD) closeSync(held.shift()!.fd);
  held.push({ dir, fd });
  if (!releaseQueued) {
    releaseQueued = true;
    setImmediate(release);
  }
  return fd;
}

/** lstat of a host path, or undefined when nothing is there (ENOENT, ENOTDIR); other failures throw as Node's lstat does. */
export function lstatHostPath(path: string): HostStat | undefined {
  const sx = loadStatx();
  if (!sx) return lstatNode(path);
  const slash = path.lastIndexOf('/');
  const dir = slash <= 0 ? '/' : path.slice(0, slash);
  const fd = slash < 0 ? AT_FDCWD : dirFd(dir);
  const rc = fd === AT_FDCWD ? sx.call(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_WANTED, out) : sx.call(fd, path.slice(slash + 1) || '.', AT_SYMLINK_NOFOLLOW, STATX_WANTED, out);
  if (rc === 0) return fromStatx();
  const errno = sx.errno();
  if (errno === ENOENT || errno === ENOTDIR) return undefined;
  const code = errnoNames.get(errno) ?? `errno ${errno}`;
  throw Object.assign(new Error(`${code}: lstat '${path}'`), { code, errno: -errno, syscall: 'lstat', path });
}

function lstatNode(path: string): HostStat | undefined {
  let st;
  try {
    st = lstatSync(path, { bigint: true, throwIfNoEntry: false });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw e;
  }
  if (!st) return undefined;
  const rdev = st.rdev;
  return {
    mode: Number(st.mode),
    uid: Number(st.uid),
    gid: Number(st.gid),
    size: Number(st.size),
    mtimeNs: st.mtimeNs,
    ino: st.ino,
    nlink: Number(st.nlink),
    rdevMajor: Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn)),
    rdevMinor: Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn)),
  };
}

/** lstat through Node alone (for tests comparing the two ways). */
export const lstatHostPathNode = lstatNode;
