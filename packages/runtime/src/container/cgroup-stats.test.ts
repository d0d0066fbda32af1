// The stats reader on a real cgroup made here (cgroup v1, as root): a sleeping process moved into
// it, its figures read back as docker stats reports them.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { mkdir, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cgroupStats, networkStats } from './cgroup-stats.js';

const root = '/sys/fs/cgroup';
const controllers = ['memory', 'pids', 'cpuacct', 'cpu', 'blkio'];
const skip =
  process.getuid?.() !== 0 ? 'cgroups need root' : existsSync(join(root, 'cgroup.controllers')) ? 'cgroup v2 host (the v1 reader is what this tests)' : !controllers.every((c) => existsSync(join(root, c))) ? 'not every v1 controller is mounted' : '';

describe.skipIf(skip !== '')(`cgroupStats on a real v1 cgroup${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const path = `/strata-stats-test-${process.pid}`;
  let child: ChildProcess;

  beforeAll(async () => {
    for (const c of controllers) await mkdir(join(root, c, path), { recursive: true });
    child = spawn('sleep', ['60'], { stdio: 'ignore' });
    for (const c of controllers) await writeFile(join(root, c, path, 'cgroup.procs'), String(child.pid));
  });

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    }
    for (const c of controllers) await rmdir(join(root, c, path)).catch(() => undefined);
  });

  it('reads pids, memory (the host\'s when the cgroup has no limit), CPU and blkio from the cgroup', async () => {
    const sample = await cgroupStats(path, child.pid);
    expect(sample.pids_stats).toEqual({ current: 1 });
    // v1 leaves the memory a process had charged where it was; the sleeping process adds none here.
    expect(sample.memory_stats.usage).toBe(Number(readFileSync(join(root, 'memory', path, 'memory.usage_in_bytes'), 'utf8')));
    expect(Object.keys(sample.memory_stats.stats ?? {})).toEqual(readFileSync(join(root, 'memory', path, 'memory.stat'), 'utf8').trim().split('\n').map((l) => l.split(' ')[0]));
    const memTotal = Number(/^MemTotal:\s+(\d+)/m.exec(readFileSync('/proc/meminfo', 'utf8'))![1]) * 1024;
    expect(sample.memory_stats.limit).toBe(memTotal);
    expect(sample.cpu_stats.online_cpus).toBe(cpus().length);
    expect(sample.cpu_stats.cpu_usage.percpu_usage?.length).toBeGreaterThanOrEqual(cpus().length);
    expect(sample.cpu_stats.system_cpu_usage! % 10_000_000).toBe(0);
    expect(sample.blkio_stats.io_service_bytes_recursive).toEqual([]);
    // The process is in the host's network namespace: every interface there but lo.
    expect(Object.keys(sample.networks ?? {})).toEqual(Object.keys(networkStats(readFileSync('/proc/self/net/dev', 'utf8')) ?? {}));
    expect(Object.keys(sample.networks ?? {})).not.toContain('lo');
  });

  it('reports the cgroup\'s memory limit once it has one, and the pids limit', async () => {
    await writeFile(join(root, 'memory', path, 'memory.limit_in_bytes'), String(64 * 1024 * 1024));
    await writeFile(join(root, 'pids', path, 'pids.max'), '50');
    const sample = await cgroupStats(path, child.pid);
    expect(sample.memory_stats.limit).toBe(64 * 1024 * 1024);
    expect(sample.pids_stats).toEqual({ current: 1, limit: 50 });
  });

  it('fails for a cgroup that does not exist', async () => {
    await expect(cgroupStats('/strata-no-such-cgroup', undefined)).rejects.toThrow('no cgroup at /strata-no-such-cgroup');
  });
});
