import { type BigIntStats, constants } from 'node:fs';
import { type FileHandle, lstat, open, readdir, readlink, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { StrataError, type FileEntry, type FileKind, type FileStat, type FileTree } from '@strata/core';
import { xattrsUnder } from './xattr-dump.js';

/** The xattrs Docker carries in tars, and overlayfs's opaque marker. */
export const DOCKER_XATTRS = '^(security\\.capability|trusted\\.overlay\\.opaque)$';

function kindOf(st: BigIntStats): FileKind {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'directory';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isCharacterDevice()) return 'char';
  if (st.isBlockDevice()) return 'block';
  if (st.isFIFO()) return 'fifo';
  return 'socket';
}

/** A host lstat as the core's FileStat (Linux dev_t split into major and minor). */
export function fileStatOf(st: BigIntStats, linkTarget?: string): FileStat {
  const rdev = st.rdev;
  return {
    kind: kindOf(st),
    mode: Number(st.mode & 0o7777n),
    uid: Number(st.uid),
    gid: Number(st.gid),
    size: Number(st.size),
    mtimeNs: st.mtimeNs,
    ino: st.ino,
    nlink: Number(st.nlink),
    rdevMajor: Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn)),
    rdevMinor: Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn)),
    ...(linkTarget !== undefined ? { linkTarget } : {}),
  };
}

const missing = (e: unknown) => ['ENOENT', 'ENOTDIR'].includes((e as NodeJS.ErrnoException).code ?? '');

/** Byte-order comparison of names, as Go sorts them. */
export const byName = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/**
 * A FileTree over a host directory. Nothing is followed: a symlink is reported as one, files are
 * opened with O_NOFOLLOW, and a directory that resolves outside the tree (a path swapped for a
 * symlink while we read) is refused.
 */
export class HostTree implements FileTree {
  constructor(readonly dir: string) {}

  host(path: string): string {
    return path === '' ? this.dir : join(this.dir, path);
  }

  private async inside(hostPath: string): Promise<void> {
    const real = await realpath(hostPath);
    if (real !== this.dir && !real.startsWith(`${this.dir}/`)) throw new StrataError('forbidden', `${hostPath} leaves the container root`);
  }

  async lstat(path: string): Promise<FileStat | undefined> {
    const host = this.host(path);
    try {
      const st = await lstat(host, { bigint: true });
      return fileStatOf(st, st.isSymbolicLink() ? await readlink(host) : undefined);
    } catch (e) {
      if (missing(e)) return undefined;
      throw e;
    }
  }

  async list(path: string): Promise<FileEntry[]> {
    const host = this.host(path);
    await this.inside(host);
    const names = (await readdir(host)).sort(byName);
    return Promise.all(
      names.map(async (name) => {
        const child = join(host, name);
        const st = await lstat(child, { bigint: true });
        return { name, stat: fileStatOf(st, st.isSymbolicLink() ? await readlink(child) : undefined) };
      }),
    );
  }

  read(path: string): ReadableStream<Uint8Array> {
    return readHostFile(this.host(path), (dir) => this.inside(dir));
  }

  xattrs(path: string): Promise<Map<string, Record<string, Uint8Array>>> {
    return xattrsUnder(this.dir, this.host(path), DOCKER_XATTRS);
  }
}

const CHUNK = 1 << 20;

/** A host file as a stream, opened with O_NOFOLLOW once `check` passed for its directory. */
export function readHostFile(host: string, check?: (dir: string) => Promise<void>): ReadableStream<Uint8Array> {
  let handle: FileHandle | undefined;
  let chunk = CHUNK;
  const close = async () => {
    const h = handle;
    handle = undefined;
    await h?.close();
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(c) {
        try {
          if (!handle) {
            await check?.(host.slice(0, host.lastIndexOf('/')) || '/');
            handle = await open(host, constants.O_RDONLY | constants.O_NOFOLLOW);
            // Small files get small buffers: a commit reads thousands of them.
            chunk = Math.min(CHUNK, Math.max(4096, (await handle.stat()).size + 1));
          }
          const buffer = new Uint8Array(chunk);
          const { bytesRead } = await handle.read(buffer, 0, chunk, null);
          if (bytesRead === 0) {
            await close();
            c.close();
          } else c.enqueue(bytesRead === chunk ? buffer : buffer.subarray(0, bytesRead));
        } catch (e) {
          await close().catch(() => undefined);
          throw e;
        }
      },
      cancel: close,
    },
    { highWaterMark: 0 },
  );
}
