import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, lstat, readFile, readdir, readlink, rename, rm } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { DockerignoreMatcher, TarWriteEntry } from '@strata/core';
import type { HostFiles } from '../model/host-files.js';

const webOf = (r: Readable): ReadableStream<Uint8Array> => Readable.toWeb(r) as ReadableStream<Uint8Array>;

/** A tar entry with the fields the context tar needs (owner root, as the docker CLI writes it). */
function entry(path: string, type: TarWriteEntry['type'], mode: number, size: number, mtime: number, linkname = ''): TarWriteEntry {
  const typeflag = { file: '0', directory: '5', symlink: '2' }[type as 'file' | 'directory' | 'symlink'];
  return { path, type, typeflag, mode, rawMode: mode, uid: 0, gid: 0, uname: '', gname: '', size, mtime: Math.floor(mtime), linkname, devmajor: 0, devminor: 0, pax: {}, format: 'ustar' };
}

/** The context directory's files, depth first in name order, skipping what .dockerignore excludes. */
async function* contextEntries(root: string, ignore: DockerignoreMatcher, dockerfile: string): AsyncGenerator<TarWriteEntry> {
  async function* walk(dir: string): AsyncGenerator<TarWriteEntry> {
    const names = (await readdir(dir)).sort();
    for (const name of names) {
      const full = join(dir, name);
      const rel = relative(root, full).split(sep).join('/');
      // The Dockerfile and .dockerignore always go, as the docker CLI sends them even when ignored.
      if (ignore.matches(rel) && rel !== dockerfile && rel !== '.dockerignore') continue;
      const st = await lstat(full);
      const mode = st.mode & 0o7777;
      const mtime = st.mtimeMs / 1000;
      if (st.isDirectory()) {
        yield entry(`${rel}/`, 'directory', mode, 0, mtime);
        yield* walk(full);
      } else if (st.isSymbolicLink()) {
        yield entry(rel, 'symlink', mode, 0, mtime, await readlink(full));
      } else if (st.isFile()) {
        yield { ...entry(rel, 'file', mode, st.size, mtime), body: webOf(createReadStream(full)) };
      }
    }
  }
  yield* walk(root);
}

/** The app's host files on Node: archives from paths, atomic writes, build contexts as tar. */
export function nodeHostFiles(stdin: NodeJS.ReadStream): HostFiles {
  return {
    openArchive: async (path) => (await import('./load-command.js')).openLoadSource({ input: path, stdin }),

    async exists(path) {
      try {
        await lstat(path);
        return true;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw e;
      }
    },

    async writeFile(path, bytes, mode, signal) {
      // Written beside the target and renamed over it, so a failure never leaves half a file under its name.
      const temp = join(dirname(path), `.${path.split('/').pop() ?? 'file'}.strata-${process.pid}-${Date.now()}`);
      let written = 0;
      try {
        const out = createWriteStream(temp, { flags: 'wx', mode: 0o600 });
        const counter = new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            written += chunk.byteLength;
            controller.enqueue(chunk);
          },
        });
        await pipeline(Readable.fromWeb(bytes.pipeThrough(counter) as import('node:stream/web').ReadableStream<Uint8Array>), out as Writable, signal ? { signal } : {});
        await chmod(temp, mode ?? 0o644);
        await rename(temp, path);
      } catch (e) {
        await rm(temp, { force: true });
        throw e;
      }
      return written;
    },

    async packContext(dir, dockerfile) {
      const st = await lstat(dir).catch(() => undefined);
      if (!st?.isDirectory()) throw new Error(`unable to prepare context: path "${dir}" not found`);
      const ignoreText = await readFile(join(dir, '.dockerignore'), 'utf8').catch(() => '');
      // The engine's code loads on first use: the app's first frame does not wait for it.
      const { DockerignoreMatcher, readDockerignore, writeTar } = await import('@strata/core');
      const ignore = new DockerignoreMatcher(readDockerignore(ignoreText));
      return writeTar(contextEntries(dir, ignore, dockerfile.replace(/^\.\//, '')), { mode: 'fresh' });
    },
  };
}
