// Test support (not exported): real bytes from ../shared/fixtures, temp dirs, and whole-tree snapshots.
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, lstat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of the workspace's sibling `shared/fixtures` folder. */
export const fixturesDir = join(dirname(fileURLToPath(import.meta.url)), '../../../../../shared/fixtures');

/** The OCI layout skopeo wrote from two of the `docker save` fixtures. */
export const fixtureLayoutDir = join(fixturesDir, 'images', 'oci-layout');

export const readFixtureBlob = async (hex: string): Promise<Uint8Array> =>
  new Uint8Array(await readFile(join(fixtureLayoutDir, 'blobs', 'sha256', hex)));

/** A fresh temp directory under the OS temp dir; remove it with `removeTempDir`. */
export const makeTempDir = (label: string): Promise<string> => mkdtemp(join(tmpdir(), `strata-storage-${label}-`));

export const removeTempDir = (dir: string): Promise<void> => rm(dir, { recursive: true, force: true });

/** Every file and directory under `root` with the sha256 of its bytes (directories as `dir`). */
export async function snapshotTree(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (dir: string) => {
    for (const name of await readdir(dir)) {
      const path = join(dir, name);
      const st = await lstat(path);
      if (st.isDirectory()) {
        out[relative(root, path) + '/'] = 'dir';
        await walk(path);
      } else {
        out[relative(root, path)] = createHash('sha256').update(await readFile(path)).digest('hex');
      }
    }
  };
  await walk(root);
  return out;
}

/** A ReadableStream over bytes in chunks of `chunk` bytes (to exercise chunk boundaries). */
export function streamOf(bytes: Uint8Array, chunk = 65536): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(c) {
      if (offset >= bytes.length) return c.close();
      c.enqueue(bytes.slice(offset, offset + chunk));
      offset += chunk;
    },
  });
}

export async function collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let n = 0;
  for await (const p of stream as unknown as AsyncIterable<Uint8Array>) {
    parts.push(p);
    n += p.length;
  }
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Deterministic, poorly compressible bytes (a counter run through sha256), `n` long. */
export function pseudoRandomBytes(n: number, seed = 'strata'): Uint8Array {
  const out = new Uint8Array(n);
  let block = createHash('sha256').update(seed).digest();
  for (let i = 0; i < n; i += 32) {
    out.set(block.subarray(0, Math.min(32, n - i)), i);
    block = createHash('sha256').update(block).digest();
  }
  return out;
}
