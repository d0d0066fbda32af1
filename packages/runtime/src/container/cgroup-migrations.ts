import { open, write } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { hierarchies } from './cgroup-dirs.js';

/**
 * Keeps cgroup migrations cheap while containers are being launched.
 *
 * Moving a process into a cgroup (a write to `cgroup.procs`: `runc create` and `runc exec` do one
 * per hierarchy for each new process) takes the kernel's global `cgroup_threadgroup_rwsem` for
 * writing. When no migration happened within the last RCU grace period, that write first waits for
 * a whole grace period (`rcu_sync_enter`); one that follows a recent migration does not. Here a
 * launch paid 9-15 ms for it, on the path of every `docker run` and `docker exec` (dockerd pays it
 * too). While a launch is held, the engine moves itself into the cgroup it is already in every
 * few milliseconds: the move changes nothing, and the runtime's own migrations then find the lock
 * warm. Hosts whose cgroup2 is mounted with `favordynmods` never wait and gain nothing; the cost
 * of the warm lock is a slower path for fork and exit on the host while it lasts (an atomic
 * operation each). Any error (no cgroup file, a write refused) turns the warmer off for good.
 */
export class CgroupMigrationWarmer {
  private holds = 0;
  private running = false;
  private disabled = false;
  /** The engine's own cgroup.procs, opened once for the life of the engine. */
  private fd: Promise<number | undefined> | undefined;
  private readonly bytes: Buffer;

  constructor(
    private readonly findFile: () => Promise<string | undefined> = ownCgroupProcsFile,
    private readonly intervalMs = 4,
    pid = process.pid,
  ) {
    this.bytes = Buffer.from(String(pid));
  }

  /**
   * Keep the lock warm until the returned function is called, or `maxMs` at most (a launch that
   * never reports must not keep it warm forever).
   */
  hold(maxMs = 1_000): () => void {
    if (this.disabled) return () => undefined;
    this.holds++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      clearTimeout(timer);
      this.holds--;
    };
    const timer = setTimeout(release, maxMs);
    timer.unref();
    if (!this.running) this.loop();
    return release;
  }

  /** True while a write loop runs (for tests). */
  get active(): boolean {
    return this.running;
  }

  /** Callbacks rather than promises: this runs every few milliseconds while a container starts. */
  private loop(): void {
    this.running = true;
    const stop = (failed: boolean) => {
      if (failed) this.disabled = true;
      this.running = false;
    };
    this.fd ??= this.findFile()
      .then((path) => (path ? new Promise<number>((resolve, reject) => open(path, 'w', (e, fd) => (e ? reject(e) : resolve(fd)))) : undefined))
      .catch(() => undefined);
    void this.fd.then((fd) => {
      if (fd === undefined) return stop(true);
      const tick = () => {
        if (this.holds <= 0) return stop(false);
        write(fd, this.bytes, 0, this.bytes.length, 0, (e) => {
          if (e) return stop(true);
          setTimeout(tick, this.intervalMs);
        });
      };
      tick();
    });
  }
}

/**
 * `cgroup.procs` of the cgroup the engine is in, in the first hierarchy mounted under
 * /sys/fs/cgroup that has it (`/proc/self/cgroup`: `8:pids:/`, `0::/` for cgroup2).
 */
export async function ownCgroupProcsFile(selfCgroup?: string, mounted?: string[]): Promise<string | undefined> {
  const lines = (selfCgroup ?? (await readFile('/proc/self/cgroup', 'utf8'))).split('\n').filter(Boolean);
  const dirs = mounted ?? (await hierarchies());
  for (const line of lines) {
    const first = line.indexOf(':');
    const second = line.indexOf(':', first + 1);
    if (first < 0 || second < 0) continue;
    const controllers = line.slice(first + 1, second);
    const path = line.slice(second + 1);
    const names = controllers === '' ? ['unified', 'cgroup'] : [controllers.replace(/^name=/, '')];
    for (const dir of dirs) {
      if (!names.includes(basename(dir))) continue;
      const file = join(dir, path, 'cgroup.procs');
      if (await stat(file).then(() => true, () => false)) return file;
    }
  }
  return undefined;
}
