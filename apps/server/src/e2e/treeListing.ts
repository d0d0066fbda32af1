// Test support: every file under a directory as path, type, mode, size and content digest, to prove a store unchanged.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join, relative } from 'node:path';

/** One line per path under the root, e.g. `content/index.json file 0644 412 sha256:…`, sorted by path. */
export async function treeListing(root: string, options: { exclude?: string[] } = {}): Promise<string[]> {
  const exclude = new Set(options.exclude ?? []);
  const lines: string[] = [];
  async function walk(dir: string): Promise<void> {
    for (const name of (await readdir(dir)).sort()) {
      const path = join(dir, name);
      const rel = relative(root, path);
      if (exclude.has(rel)) continue;
      const st = await lstat(path);
      const mode = (st.mode & 0o7777).toString(8).padStart(4, '0');
      if (st.isDirectory()) {
        // A directory's size is how many blocks its entries once needed (ext4 never shrinks it): not content.
        lines.push(`${rel}/ dir ${mode}`);
        await walk(path);
      } else if (st.isSymbolicLink()) {
        lines.push(`${rel} symlink ${mode} -> ${await readlink(path)}`);
      } else if (st.isFile()) {
        lines.push(`${rel} file ${mode} ${st.size} sha256:${await fileSha256(path)}`);
      } else {
        lines.push(`${rel} special ${mode} ${st.mode.toString(8)}`);
      }
    }
  }
  await walk(root);
  return lines;
}

/** Hex sha256 of a file's bytes, streamed. */
function fileSha256(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (b) => hash.update(b))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}
