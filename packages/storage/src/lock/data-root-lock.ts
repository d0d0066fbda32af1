import { randomBytes } from 'node:crypto';
import { link, open, readFile, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { StrataError } from '@strata/core/errors';
import { ensureDirectory, fsyncDirectory, isErrno, removeIfPresent } from '../fs/durable-file.js';

/** Name of the lock file inside a data root. */
export const LOCK_FILE = 'strata.lock';
/** Suffix of the lock's staging files (a crash may leave one; openDataRoot removes them). */
export const LOCK_STAGING_SUFFIX = '.lock-staging';

/** Who owns a data root, as written in its lock file. */
export interface DataRootOwner {
  pid: number;
  /** The owner's API socket, so a second front end can become its client. */
  socket?: string;
  /** Kernel start time of the owner process (`/proc/<pid>/stat` field 22), to tell a reused PID. */
  startTime?: string;
  /** `/proc/sys/kernel/random/boot_id` when the lock was taken: a lock from before a reboot is stale. */
  bootId?: string;
}

/** Thrown when a live process owns the data root; carries the owner for a front end to connect to. */
export class DataRootInUseError extends StrataError {
  readonly root: string;
  readonly owner: DataRootOwner;

  constructor(root: string, owner: DataRootOwner) {
    super('conflict', `data root ${root} is in use by process ${owner.pid}`);
    this.name = 'DataRootInUseError';
    this.root = root;
    this.owner = owner;
  }
}

/** Lock files this process holds, so a second open in the same process is a conflict too. */
const heldHere = new Set<string>();

/**
 * One process owns a data root at a time: `<root>/strata.lock` holds the owner's PID (and
 * socket). The file is staged complete and then hard-linked into place, which, like
 * O_CREAT|O_EXCL, fails when the name exists, but never shows a reader an empty lock. A lock
 * whose owner is dead (or whose PID now names another process) is taken over.
 */
export class DataRootLock {
  readonly root: string;
  readonly path: string;
  private current: DataRootOwner;
  private released = false;

  private constructor(root: string, owner: DataRootOwner) {
    this.root = root;
    this.path = join(root, LOCK_FILE);
    this.current = owner;
  }

  /** The owner recorded in the lock file. */
  get owner(): DataRootOwner {
    return { ...this.current };
  }

  /** Take the lock of `root` (created if missing); throws DataRootInUseError while a live process holds it. */
  static async acquire(root: string, options: { socket?: string } = {}): Promise<DataRootLock> {
    await ensureDirectory(root);
    const path = join(root, LOCK_FILE);
    const me: DataRootOwner = { pid: process.pid, ...(await processIdentity(process.pid)) };
    if (options.socket !== undefined) me.socket = options.socket;
    for (let attempt = 0; attempt < 10; attempt++) {
      const staging = await stageLockFile(root, me);
      try {
        await link(staging, path);
        await fsyncDirectory(root);
        heldHere.add(path);
        return new DataRootLock(root, me);
      } catch (e) {
        if (!isErrno(e, 'EEXIST')) throw e;
      } finally {
        await removeIfPresent(staging);
      }
      const found = await readLockFile(path);
      if (found === undefined) continue; // released meanwhile: try again
      if (found.owner !== undefined && (await isLiveOwner(path, found.owner))) throw new DataRootInUseError(root, found.owner);
      // Stale. Remove it only if it is still the file we judged, so two racing takers cannot remove each other's fresh lock.
      const again = await stat(path).catch(() => undefined);
      if (again !== undefined && again.ino === found.ino) await removeIfPresent(path);
    }
    throw new StrataError('conflict', `data root ${root}: could not take ${path}, it keeps changing`);
  }

  /** The live owner of `root`, or undefined when nobody (alive) holds it. */
  static async ownerOf(root: string): Promise<DataRootOwner | undefined> {
    const path = join(root, LOCK_FILE);
    const found = await readLockFile(path);
    if (found?.owner === undefined) return undefined;
    return (await isLiveOwner(path, found.owner)) ? found.owner : undefined;
  }

  /** Record the socket the owner serves its API on (the lock file is replaced atomically). */
  async setSocket(socket: string | undefined): Promise<void> {
    this.assertHeld();
    const next: DataRootOwner = { ...this.current };
    if (socket === undefined) delete next.socket;
    else next.socket = socket;
    const staging = await stageLockFile(this.root, next);
    try {
      await rename(staging, this.path);
    } catch (e) {
      await removeIfPresent(staging);
      throw e;
    }
    await fsyncDirectory(this.root);
    this.current = next;
  }

  /** Give the data root up; the lock file is removed only while it still names this process. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    heldHere.delete(this.path);
    const found = await readLockFile(this.path);
    if (found?.owner?.pid === this.current.pid && found.owner.startTime === this.current.startTime) {
      await removeIfPresent(this.path);
    }
  }

  private assertHeld(): void {
    if (this.released) throw new StrataError('conflict', `lock ${this.path} was released`);
  }
}

async function stageLockFile(root: string, owner: DataRootOwner): Promise<string> {
  const staging = join(root, `${LOCK_FILE}.${process.pid}-${randomBytes(4).toString('hex')}${LOCK_STAGING_SUFFIX}`);
  const fh = await open(staging, 'wx', 0o644);
  try {
    await fh.writeFile(JSON.stringify(owner) + '\n');
    await fh.sync();
  } finally {
    await fh.close();
  }
  return staging;
}

/** The lock file's owner (undefined when unreadable garbage) and inode; undefined when absent. */
async function readLockFile(path: string): Promise<{ owner: DataRootOwner | undefined; ino: number } | undefined> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return undefined;
    throw e;
  }
  try {
    const [{ ino }, text] = await Promise.all([fh.stat(), fh.readFile('utf8')]);
    return { owner: parseOwner(text), ino };
  } finally {
    await fh.close();
  }
}

function parseOwner(text: string): DataRootOwner | undefined {
  try {
    const v = JSON.parse(text) as Partial<DataRootOwner>;
    if (typeof v.pid !== 'number' || !Number.isSafeInteger(v.pid) || v.pid <= 0) return undefined;
    const owner: DataRootOwner = { pid: v.pid };
    if (typeof v.socket === 'string') owner.socket = v.socket;
    if (typeof v.startTime === 'string') owner.startTime = v.startTime;
    if (typeof v.bootId === 'string') owner.bootId = v.bootId;
    return owner;
  } catch {
    return undefined;
  }
}

async function isLiveOwner(path: string, owner: DataRootOwner): Promise<boolean> {
  if (owner.pid === process.pid) return heldHere.has(path);
  if (!isProcessAlive(owner.pid)) return false;
  const now = await processIdentity(owner.pid);
  if (owner.bootId !== undefined && now.bootId !== undefined && owner.bootId !== now.bootId) return false;
  if (owner.startTime !== undefined && now.startTime !== undefined && owner.startTime !== now.startTime) return false;
  return true;
}

/** Start time and boot id from /proc, where there is one (Linux); empty elsewhere. */
async function processIdentity(pid: number): Promise<{ startTime?: string; bootId?: string }> {
  const out: { startTime?: string; bootId?: string } = {};
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[19]) out.startTime = fields[19];
  } catch {
    /* no /proc: PID liveness alone decides */
  }
  try {
    out.bootId = (await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim();
  } catch {
    /* idem */
  }
  return out;
}

/** Remove staging files that dead processes left beside the lock (a crash between staging and link). */
export async function removeLockStagingLeftovers(root: string, names: string[]): Promise<void> {
  for (const name of names) {
    const m = /^strata\.lock\.(\d+)-[0-9a-f]+\.lock-staging$/.exec(name);
    if (m && !isProcessAlive(Number(m[1]))) await removeIfPresent(join(root, name));
  }
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return isErrno(e, 'EPERM');
  }
}
