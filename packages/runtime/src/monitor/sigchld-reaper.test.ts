import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { canSpawnDetached, spawnDetachedProcess } from './posix-spawn.js';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe.skipIf(!canSpawnDetached())('children reaped on SIGCHLD', () => {
  it('reports exit codes and signal deaths (128 + n) of posix_spawn children', async () => {
    const seven = spawnDetachedProcess('/bin/sh', ['-c', 'exit 7'], {}, ['null', 'null', 'null'], { reap: 'sigchld' });
    const killed = spawnDetachedProcess('/bin/sh', ['-c', 'kill -KILL $$'], {}, ['null', 'null', 'null'], { reap: 'sigchld' });
    expect(await Promise.all([seven.exited, killed.exited])).toEqual([7, 137]);
    // Reaped: no zombie is left behind.
    expect(alive(seven.pid)).toBe(false);
  });

  it('a child that has already ended when it is registered is still reaped', async () => {
    const quick = spawnDetachedProcess('/bin/true', [], {}, ['null', 'null', 'null'], { reap: 'sigchld' });
    expect(await quick.exited).toBe(0);
  });

  it('long-lived children hold none of the worker threads file I/O needs (the pool has 4)', async () => {
    const sleepers = Array.from({ length: 6 }, () => spawnDetachedProcess('/bin/sleep', ['30'], {}, ['null', 'null', 'null'], { reap: 'sigchld' }));
    try {
      // With a blocking waitpid per child on the pool, this read would queue behind the sleepers.
      expect(await readFile('/proc/self/stat', 'utf8')).toMatch(/^\d+ /);
      expect(sleepers.every((s) => alive(s.pid))).toBe(true);
    } finally {
      for (const s of sleepers) process.kill(s.pid, 'SIGKILL');
    }
    expect(await Promise.all(sleepers.map((s) => s.exited))).toEqual(Array(6).fill(137));
  });
});
