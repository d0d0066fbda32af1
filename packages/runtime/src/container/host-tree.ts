import { type Dirent, closeSync, constants, fstatSync, openSync, readSync, readdirSync, readlinkSync, realpathSync } from 'node:fs';
import { StrataError, type FileEntry, type FileKind, type FileName, type FileStat, type FileTree } from '@strata/core';
import { getAttributeSync } from '@napi-rs/xattr';
import { type HostStat, isBlockStat, isCharStat, isDirectoryStat, isFifoStat, isFileStat, isSymlinkStat, lstatHostPath } from './host-stat.js';

/** The xattrs Docker carries in tars, and overlayfs's opaque marker. */
const DOCKER_XATTRS = ['security.capability', 'trusted.overlay.opaque'];

/** Those of DOCKER_XATTRS a host file has (lgetxattr: a symlink is not followed). */
export function dockerXattrsOf(host: string, only: readonly string[] = DOCKER_XATTRS): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  for (const name of only) {
    if (!DOCKER_XATTRS.includes(name)) continue;
    const value = getAttributeSync(host, name);
    if (value) out[name] = new Uint8Array(value);
  }
  return out;
}

function kindOf(st: HostStat): FileKind {
  if (isFileStat(st)) return 'file';
  if (isDirectoryStat(st)) return 'directory';
  if (isSymlinkStat(st)) return 'symlink';
  if (isCharStat(st)) return 'char';
  if (isBlockStat(st)) return 'block';
  if (isFifoStat(st)) return 'fifo';
  return 'socket';
}

/** A host lstat as the core's FileStat. */
export function fileStatOf(st: HostStat, linkTarget?: string): FileStat {
  return {
    kind: kindOf(st),
    mode: st.mode & 0o7777,
    uid: st.uid,
    gid: st.gid,
    size: st.size,
    mtimeNs: st.mtimeNs,
    ino: st.ino,
    nlink: st.nlink,
    rdevMajor: st.rdevMajor,
    rdevMinor: st.rdevMinor,
    ...(linkTarget !== undefined ? { linkTarget } : {}),
  };
}

/** Byte-order comparison of names, as Go sorts them. */
export const byName = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** Code units from here up may sort differently as UTF-16 than as UTF-8 bytes (surrogates against U+E000..U+FFFF). */
const NOT_BYTE_ORDERED = /[\ud800-\uffff]/;

/** Names sorted in byte order: plain string order unless a name has a code unit that would misorder. */
export function sortByName<T>(items: T[], nameOf: (item: T) => string): T[] {
  if (items.some((i) => NOT_BYTE_ORDERED.test(nameOf(i)))) return items.sort((a, b) => byName(nameOf(a), nameOf(b)));
  return items.sort((a, b) => {
    const x = nameOf(a);
    const y = nameOf(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

/** A directory entry's kind (Node lstat's a name whose type the directory does not record). */
export function kindOfDirent(d: Dirent): FileKind {
  if (d.isFile()) return 'file';
  if (d.isDirectory()) return 'directory';
  if (d.isSymbolicLink()) return 'symlink';
  if (d.isCharacterDevice()) return 'char';
  if (d.isBlockDevice()) return 'block';
  if (d.isFIFO()) return 'fifo';
  return 'socket';
}

/**
 * lstat of a host path, or undefined when nothing is there: statx(2) relative to the directory
 * held open for a run of lookups in it (half the cost of Node's lstat of the whole path here).
 */
export const lstatHost = lstatHostPath;

/** A host file's FileStat (its target read when it is a symlink). */
export const statHost = (path: string, st: HostStat): FileStat => fileStatOf(st, isSymlinkStat(st) ? readlinkSync(path) : undefined);

/**
 * A FileTree over a host directory. Nothing is followed: a symlink is reported as one, files are
 * opened with O_NOFOLLOW, and a directory that resolves outside the tree (a path swapped for a
 * symlink while we read) is refused. Metadata calls are synchronous: one directory of a writable
 * layer is listed in a few milliseconds that way, where a promise per lstat through libuv's
 * thread pool costs ten times more.
 */
export class HostTree implements FileTree {
  constructor(readonly dir: string) {}

  host(path: string): string {
    return path === '' ? this.dir : this.dir === '/' ? `/${path}` : `${this.dir}/${path}`;
  }

  private checked: string | undefined;

  /** Refuses a host directory that resolves outside the tree (the last one passed is not asked again). */
  inside(hostDir: string): void {
    if (hostDir === this.checked) return;
    const real = realpathSync.native(hostDir);
    if (real !== this.dir && !real.startsWith(`${this.dir}/`)) throw new StrataError('forbidden', `${hostDir} leaves the container root`);
    this.checked = hostDir;
  }

  async lstat(path: string): Promise<FileStat | undefined> {
    const host = this.host(path);
    const st = lstatHost(host);
    return st && statHost(host, st);
  }

  async list(path: string): Promise<FileEntry[]> {
    const host = this.host(path);
    this.inside(host);
    const prefix = host === '/' ? '/' : `${host}/`;
    // A name gone between readdir and lstat (the container removed it meanwhile) is not listed, as in LowerTree.
    return sortByName(readdirSync(host), (n) => n).flatMap((name) => {
      const child = prefix + name;
      const st = lstatHost(child);
      return st ? [{ name, stat: statHost(child, st) }] : [];
    });
  }

  async names(path: string): Promise<FileName[]> {
    const host = this.host(path);
    this.inside(host);
    const names = readdirSync(host, { withFileTypes: true }).map((d) => ({ name: d.name, kind: kindOfDirent(d) }));
    return sortByName(names, (n) => n.name);
  }

  read(path: string): ReadableStream<Uint8Array> {
    return readHostFile(this.host(path), (dir) => this.inside(dir));
  }

  async readBytes(path: string, expected?: number): Promise<Uint8Array> {
    const host = this.host(path);
    this.inside(host.slice(0, host.lastIndexOf('/')) || '/');
    const fd = openSync(host, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      if (expected !== undefined) {
        // One byte more than lstat said: getting fewer means the whole file was read, no fstat needed.
        const buffer = new Uint8Array(expected + 1);
        const n = readSync(fd, buffer, 0, buffer.byteLength, 0);
        if (n < buffer.byteLength) return buffer.subarray(0, n);
      }
      const size = fstatSync(fd).size;
      const buffer = new Uint8Array(size);
      let off = 0;
      while (off < size) {
        const n = readSync(fd, buffer, off, size - off, off);
        if (n === 0) break;
        off += n;
      }
      return off === size ? buffer : buffer.subarray(0, off);
    } finally {
      closeSync(fd);
    }
  }

  async xattrs(path: string, only?: readonly string[]): Promise<Record<string, Uint8Array>> {
    return dockerXattrsOf(this.host(path), only);
  }
}

const CHUNK = 1 << 20;
/** Files up to this size are read in one synchronous call (a commit reads thousands of small ones). */
const WHOLE = 4 << 20;

/** A host file as a stream, opened with O_NOFOLLOW once `check` passed for its directory. */
export function readHostFile(host: string, check?: (dir: string) => void): ReadableStream<Uint8Array> {
  let fd: number | undefined;
  let size = 0;
  const close = () => {
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
  };
  return new ReadableStream<Uint8Array>(
    {
      pull(c) {
        try {
          if (fd === undefined) {
            check?.(host.slice(0, host.lastIndexOf('/')) || '/');
            fd = openSync(host, constants.O_RDONLY | constants.O_NOFOLLOW);
            size = fstatSync(fd).size;
          }
          const buffer = new Uint8Array(size <= WHOLE ? size + 1 : CHUNK);
          const bytesRead = readSync(fd, buffer, 0, buffer.byteLength, null);
          if (bytesRead === 0) {
            close();
            c.close();
            return;
          }
          c.enqueue(bytesRead === buffer.byteLength ? buffer : buffer.subarray(0, bytesRead));
          if (size <= WHOLE && bytesRead <= size) {
            // Read whole: the next read would only find the end.
            close();
            c.close();
          }
        } catch (e) {
          close();
          throw e;
        }
      },
      cancel: close,
    },
    { highWaterMark: 0 },
  );
}
