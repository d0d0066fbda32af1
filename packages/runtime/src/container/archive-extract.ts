import { constants } from 'node:fs';
import { chmod, lchown, link, lstat, lutimes, mkdir, open, rm, symlink, utimes, type FileHandle } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { StrataError, type ExtractOptions, invalid, readTar } from '@strata/core';
import { runCommand } from '../host-command.js';
import { writeBodyTo } from './file-body-write.js';
import { PendingFileWrites } from './pending-file-writes.js';
import { resolveInRoot } from './rootfs-path.js';

/** A new file only: never follows a link or opens what is already there. */
const CREATE_EXCLUSIVE = constants.O_CREAT | constants.O_TRUNC | constants.O_WRONLY | constants.O_NOFOLLOW | constants.O_EXCL;

/** The new file at `path`, or undefined when something is there already (EEXIST). */
async function createExclusive(path: string, mode: number): Promise<FileHandle | undefined> {
  try {
    return await open(path, CREATE_EXCLUSIVE, mode);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw e;
  }
}

/** moby's breakoutError wording. */
const breakout = (message: string) => invalid(message);

/** Go's filepath.Clean of a relative name (keeps leading `..`). */
function cleanName(name: string): string {
  const out: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..' && out.length > 0 && out[out.length - 1] !== '..') out.pop();
    else out.push(part);
  }
  return out.length === 0 ? '.' : out.join('/');
}

const exists = async (path: string) => {
  try {
    return await lstat(path);
  } catch {
    return undefined;
  }
};

/**
 * Unpack a tar into directory `dir` (relative to `root`, already resolved inside it), as moby's
 * archive.Unpack does in its chroot: parents created 0755, an existing path replaced unless both
 * are directories, owners, modes and times from the headers, directory times set last. Names
 * that are absolute or climb out of `dir` and hard links whose target does too are refused (moby's
 * breakout errors); parents are resolved with symlinks followed inside the root only and the last
 * element is never followed, so nothing is written outside the root.
 */
export async function extractArchive(root: string, dir: string, tar: ReadableStream<Uint8Array>, options: ExtractOptions): Promise<void> {
  const dest = dir === '' ? root : join(root, dir);
  const parents = new Map<string, string>();
  const dirTimes: Array<{ path: string; mtime: number }> = [];
  const shownDest = `/${dir}`;

  /** The host path of the directory holding `name`, made if missing. */
  async function parentOf(name: string): Promise<string> {
    const parent = posix.dirname(name);
    if (parent === '.') return dest;
    let host = parents.get(parent);
    if (!host) {
      host = await resolveInRoot(root, `${dir}/${parent}`);
      if (host !== root && !host.startsWith(`${root}/`)) throw breakout(`${JSON.stringify(name)} is outside of ${JSON.stringify(shownDest)}`);
      const st = await exists(host);
      if (!st) await mkdir(host, { recursive: true, mode: 0o755 });
      else if (!st.isDirectory()) throw invalid(`cannot extract ${JSON.stringify(name)}: ${JSON.stringify(`/${posix.join(dir, parent)}`)} is not a directory`);
      parents.set(parent, host);
    }
    return host;
  }

  const reader = readTar(tar);
  const pending = new PendingFileWrites();
  try {
    for await (const entry of reader) {
      pending.check();
      if (entry.type === 'pax-global') {
        await entry.body.cancel();
        continue;
      }
      if (entry.path.startsWith('/')) throw breakout(`${JSON.stringify(entry.path)} is outside of ${JSON.stringify(shownDest)}: absolute names are not accepted`);
      const name = cleanName(entry.path);
      if (name === '..' || name.startsWith('../')) throw breakout(`${JSON.stringify(entry.path)} is outside of ${JSON.stringify(shownDest)}`);
      if (name === '.') {
        await entry.body.cancel();
        continue;
      }
      const host = join(await parentOf(name), posix.basename(name));
      const shown = `/${posix.join(dir, name)}`;
      const isDirEntry = entry.type === 'directory';
      const isFile = entry.type === 'file' || entry.type === 'contiguous';
      // A file is created first and the path looked at only when something is in the way: most
      // names are new, and this saves a trip to the thread pool per file.
      if (isFile) await pending.room();
      const created = isFile ? await createExclusive(host, entry.mode & 0o777) : undefined;
      const existing = created ? undefined : await exists(host);
      if (existing) {
        if (options.noOverwriteDirNonDir && existing.isDirectory() && !isDirEntry) throw invalid(`cannot overwrite directory ${JSON.stringify(shown)} with non-directory ${JSON.stringify(entry.path)}`);
        if (options.noOverwriteDirNonDir && !existing.isDirectory() && isDirEntry) throw invalid(`cannot overwrite non-directory ${JSON.stringify(shown)} with directory ${JSON.stringify(entry.path)}`);
        if (!(existing.isDirectory() && isDirEntry)) await rm(host, { recursive: true, force: true });
      }
      switch (entry.type) {
        case 'directory':
          if (!existing?.isDirectory()) await mkdir(host, { mode: entry.mode & 0o777 });
          break;
        case 'file':
        case 'contiguous': {
          const fh = created ?? (await open(host, CREATE_EXCLUSIVE, entry.mode & 0o777));
          let bodyRead!: () => void;
          const read = new Promise<void>((resolve) => (bodyRead = resolve));
          const written = (async () => {
            try {
              await writeBodyTo(fh, entry.body, bodyRead);
              // Through the open file: no path lookups; chown before chmod, which it would undo for setuid bits.
              await Promise.all([fh.chown(entry.uid, entry.gid).then(() => fh.chmod(entry.mode & 0o7777)), fh.utimes(entry.mtime, entry.mtime)]);
            } finally {
              await fh.close();
            }
          })();
          // The next entry is read while this file's last write, owner, mode, times and close land
          // (the path exists already, so a later entry naming it finds it).
          await Promise.race([read, written]);
          pending.track(written);
          continue;
        }
        case 'symlink': {
          // moby: the target joined to the link's directory must stay under the extraction dir (absolute targets always do).
          const target = cleanName(`${posix.dirname(name)}/${entry.linkname}`);
          if (!entry.linkname.startsWith('/') && (target === '..' || target.startsWith('../'))) {
            throw breakout(`invalid symlink ${JSON.stringify(shown)} -> ${JSON.stringify(entry.linkname)}`);
          }
          await symlink(entry.linkname, host);
          break;
        }
        case 'hardlink': {
          const target = cleanName(entry.linkname);
          if (entry.linkname.startsWith('/') || target === '..' || target.startsWith('../')) throw breakout(`invalid hardlink ${JSON.stringify(shown)} -> ${JSON.stringify(entry.linkname)}`);
          const from = join(await parentOf(target), posix.basename(target));
          const st = await exists(from);
          if (!st || st.isDirectory()) throw invalid(`cannot link ${JSON.stringify(shown)} to ${JSON.stringify(entry.linkname)}: no such file in the archive`);
          await link(from, host);
          break;
        }
        case 'char':
        case 'block':
        case 'fifo': {
          const args = entry.type === 'fifo' ? [host, 'p'] : [host, entry.type === 'char' ? 'c' : 'b', String(entry.devmajor), String(entry.devminor)];
          const r = await runCommand('mknod', ['-m', (entry.mode & 0o777).toString(8), ...args]);
          if (r.code !== 0) throw new StrataError('internal', `mknod ${shown}: ${r.stderr.trim()}`);
          break;
        }
        default:
          // Docker skips what it does not know (GNU long names are decoded by the reader already).
          await entry.body.cancel();
          continue;
      }
      await entry.body.cancel().catch(() => undefined);
      if (entry.type === 'hardlink') continue;
      await lchown(host, entry.uid, entry.gid);
      if (entry.type !== 'symlink') await chmod(host, entry.mode & 0o7777);
      const mtime = entry.mtime;
      if (entry.type === 'directory') dirTimes.push({ path: host, mtime });
      else if (entry.type === 'symlink') await lutimes(host, mtime, mtime);
      else await utimes(host, mtime, mtime);
    }
  } catch (e) {
    // Nothing may still be writing once the extraction has failed.
    await pending.drain().catch(() => undefined);
    throw e;
  } finally {
    await reader.return?.();
  }
  await pending.drain();
  for (const d of dirTimes.reverse()) await utimes(d.path, d.mtime, d.mtime);
}
