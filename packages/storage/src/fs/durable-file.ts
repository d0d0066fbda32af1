import { randomBytes } from 'node:crypto';
import { type FileHandle, mkdir, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Prefix of every temp file Strata creates, so a crash leftover is recognisable. */
export const TEMP_PREFIX = 'strata-tmp-';

/** A fresh, unique temp file path inside `tempDir` (the name hints at what it will become). */
export function tempPathIn(tempDir: string, hint = 'file'): string {
  const safeHint = hint.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 48);
  return join(tempDir, `${TEMP_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}-${safeHint}`);
}

/** fsync a directory so a rename or create inside it survives a power loss. */
export async function fsyncDirectory(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Remove a file, ignoring that it is already gone. */
export async function removeIfPresent(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (e) {
    if (!isErrno(e, 'ENOENT')) throw e;
  }
}

/** Create a directory (and parents); fsync the parent when the directory is new. */
export async function ensureDirectory(dir: string): Promise<void> {
  const created = await mkdir(dir, { recursive: true });
  if (created !== undefined) await fsyncDirectory(dirname(dir));
}

/**
 * Write `bytes` to `finalPath` all-or-nothing: a temp file in `tempDir` (same filesystem),
 * fsync, rename over the final name, fsync the directory. Readers see the old or the new
 * content, never a mix. `syncFile: false` skips both syncs (atomic for readers, not durable).
 */
export async function writeFileAtomically(
  tempDir: string,
  finalPath: string,
  bytes: Uint8Array | readonly Uint8Array[],
  options: { syncDirectory?: boolean; syncFile?: boolean } = {},
): Promise<void> {
  const temp = tempPathIn(tempDir, basename(finalPath));
  try {
    const fh = await open(temp, 'wx', 0o644);
    try {
      if (bytes instanceof Uint8Array) await fh.writeFile(bytes);
      else await writeAllParts(fh, bytes);
      if (options.syncFile !== false) await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(temp, finalPath);
  } catch (e) {
    await removeIfPresent(temp);
    throw e;
  }
  if (options.syncDirectory !== false && options.syncFile !== false) await fsyncDirectory(dirname(finalPath));
}

/** True when `e` is a Node system error with the given code. */
export function isErrno(e: unknown, code: string): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === code;
}

/** Every part, in order, however short the kernel's writes come back. */
async function writeAllParts(fh: FileHandle, parts: readonly Uint8Array[]): Promise<void> {
  // writev takes at most IOV_MAX (1024) buffers at a time.
  for (let i = 0; i < parts.length; i += 1024) {
    let batch = parts.slice(i, i + 1024).filter((p) => p.byteLength > 0);
    while (batch.length) {
      let { bytesWritten } = await fh.writev(batch);
      while (batch.length && bytesWritten >= batch[0].byteLength) bytesWritten -= batch.shift()!.byteLength;
      if (batch.length && bytesWritten > 0) batch[0] = batch[0].subarray(bytesWritten);
    }
  }
}
