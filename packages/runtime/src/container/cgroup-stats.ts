import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { BlkioEntry, BlkioStats, CpuStats, MemoryStats, NetworkStats, RuntimeStatsSample } from '@strata/core';

const CGROUP_ROOT = '/sys/fs/cgroup';
/** USER_HZ: the unit of cpuacct.stat and /proc/stat (100 on every Linux dockerd runs on). */
const CLOCK_TICKS = 100;
const NS_PER_TICK = 1e9 / CLOCK_TICKS;

const read = (path: string): Promise<string | undefined> => readFile(path, 'utf8').catch(() => undefined);
const number = (text: string | undefined): number | undefined => {
  const n = Number(text?.trim());
  return text === undefined || text.trim() === '' || !Number.isFinite(n) ? undefined : n;
};

/** `key value` lines (memory.stat, cpu.stat, cpuacct.stat) as numbers. */
export function keyValues(text: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of (text ?? '').split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== undefined && Number.isFinite(Number(value))) out[key] = Number(value);
  }
  return out;
}

/** cgroup v1 blkio lines (`8:0 Read 4096`; the closing `Total N` line has no device and is skipped). */
export function blkioEntriesV1(text: string | undefined): BlkioEntry[] {
  const out: BlkioEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    const m = /^(\d+):(\d+)\s+(\S+)\s+(\d+)$/.exec(line.trim());
    if (m) out.push({ major: Number(m[1]), minor: Number(m[2]), op: m[3], value: Number(m[4]) });
  }
  return out;
}

/** cgroup v2 io.stat (`8:0 rbytes=1 wbytes=2 rios=3 wios=4 ...`) as dockerd maps it: bytes and I/Os, `read`/`write`. */
export function blkioStatsV2(text: string | undefined): BlkioStats {
  const bytes: BlkioEntry[] = [];
  const ios: BlkioEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    const [device, ...fields] = line.trim().split(/\s+/);
    const m = /^(\d+):(\d+)$/.exec(device ?? '');
    if (!m) continue;
    const values = Object.fromEntries(fields.map((f) => f.split('=')).map(([k, v]) => [k, Number(v)]));
    const at = { major: Number(m[1]), minor: Number(m[2]) };
    bytes.push({ ...at, op: 'read', value: values.rbytes ?? 0 }, { ...at, op: 'write', value: values.wbytes ?? 0 });
    ios.push({ ...at, op: 'read', value: values.rios ?? 0 }, { ...at, op: 'write', value: values.wios ?? 0 });
  }
  return { ...emptyLists(), io_service_bytes_recursive: bytes, io_serviced_recursive: ios };
}

function emptyLists(): BlkioStats {
  return {
    io_service_bytes_recursive: [],
    io_serviced_recursive: [],
    io_queue_recursive: [],
    io_service_time_recursive: [],
    io_wait_time_recursive: [],
    io_merged_recursive: [],
    io_time_recursive: [],
    sectors_recursive: [],
  };
}

/** /proc/<pid>/net/dev: the counters of every interface but `lo`; undefined when there is none. */
export function networkStats(text: string | undefined): Record<string, NetworkStats> | undefined {
  const out: Record<string, NetworkStats> = {};
  for (const line of (text ?? '').split('\n')) {
    const m = /^\s*([^:\s]+):\s*(.*)$/.exec(line);
    if (!m || m[1] === 'lo') continue;
    const f = m[2].trim().split(/\s+/).map(Number);
    if (f.length < 16) continue;
    out[m[1]] = { rx_bytes: f[0], rx_packets: f[1], rx_errors: f[2], rx_dropped: f[3], tx_bytes: f[8], tx_packets: f[9], tx_errors: f[10], tx_dropped: f[11] };
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The host's CPU time in nanoseconds and its CPU count, from /proc/stat (the first seven fields of `cpu`, as dockerd sums them). */
export function hostCpu(text: string | undefined): { systemCpuUsage: number; onlineCpus: number } {
  const lines = (text ?? '').split('\n');
  const total = lines.find((l) => l.startsWith('cpu '));
  const ticks = (total ?? '').trim().split(/\s+/).slice(1, 8).map(Number).reduce((a, b) => a + b, 0);
  return { systemCpuUsage: ticks * NS_PER_TICK, onlineCpus: lines.filter((l) => /^cpu\d+\s/.test(l)).length };
}

/** The host's memory in bytes (MemTotal), the limit dockerd reports for a container without one. */
export function hostMemory(text: string | undefined): number | undefined {
  const kb = /^MemTotal:\s+(\d+)\s*kB/m.exec(text ?? '')?.[1];
  return kb === undefined ? undefined : Number(kb) * 1024;
}

/** A v1 controller's directory: `cpuacct` may be mounted on its own or joined (`cpu,cpuacct`). */
async function v1Dir(controller: string, cgroupPath: string): Promise<string> {
  const names = await readdir(CGROUP_ROOT).catch(() => [] as string[]);
  const mount = names.find((n) => n === controller) ?? names.find((n) => n.split(',').includes(controller)) ?? controller;
  return join(CGROUP_ROOT, mount, cgroupPath);
}

async function v1Sample(cgroupPath: string): Promise<Omit<RuntimeStatsSample, 'networks'> & { rawLimit?: number }> {
  const [cpuacct, cpu, memory, blkio, pids] = await Promise.all(['cpuacct', 'cpu', 'memory', 'blkio', 'pids'].map((c) => v1Dir(c, cgroupPath)));
  const [usage, percpu, cpuacctStat, cpuStat, memUsage, memMax, memLimit, memStat, pidsCurrent, pidsMax] = await Promise.all([
    read(join(cpuacct, 'cpuacct.usage')),
    read(join(cpuacct, 'cpuacct.usage_percpu')),
    read(join(cpuacct, 'cpuacct.stat')),
    read(join(cpu, 'cpu.stat')),
    read(join(memory, 'memory.usage_in_bytes')),
    read(join(memory, 'memory.max_usage_in_bytes')),
    read(join(memory, 'memory.limit_in_bytes')),
    read(join(memory, 'memory.stat')),
    read(join(pids, 'pids.current')),
    read(join(pids, 'pids.max')),
  ]);
  if (usage === undefined && memUsage === undefined && pidsCurrent === undefined) throw new Error(`no cgroup at ${cgroupPath}`);
  const ticks = keyValues(cpuacctStat);
  const throttling = keyValues(cpuStat);
  const blk = async (file: string, fallback: string): Promise<BlkioEntry[]> => blkioEntriesV1((await read(join(blkio, file))) ?? (await read(join(blkio, fallback))));
  const [bytes, serviced] = await Promise.all([
    blk('blkio.throttle.io_service_bytes_recursive', 'blkio.io_service_bytes_recursive'),
    blk('blkio.throttle.io_serviced_recursive', 'blkio.io_serviced_recursive'),
  ]);
  const cpuStats: CpuStats = {
    cpu_usage: {
      total_usage: number(usage) ?? 0,
      percpu_usage: (percpu ?? '').trim().split(/\s+/).filter(Boolean).map(Number),
      usage_in_kernelmode: (ticks.system ?? 0) * NS_PER_TICK,
      usage_in_usermode: (ticks.user ?? 0) * NS_PER_TICK,
    },
    throttling_data: { periods: throttling.nr_periods ?? 0, throttled_periods: throttling.nr_throttled ?? 0, throttled_time: throttling.throttled_time ?? 0 },
  };
  const memoryStats: MemoryStats = { usage: number(memUsage), max_usage: number(memMax), stats: keyValues(memStat) };
  const pidsLimit = number(pidsMax);
  return {
    pids_stats: { current: number(pidsCurrent), ...(pidsLimit ? { limit: pidsLimit } : {}) },
    blkio_stats: { ...emptyLists(), io_service_bytes_recursive: bytes, io_serviced_recursive: serviced },
    cpu_stats: cpuStats,
    memory_stats: memoryStats,
    rawLimit: number(memLimit),
  };
}

async function v2Sample(dir: string): Promise<Omit<RuntimeStatsSample, 'networks'> & { rawLimit?: number }> {
  const [cpuStat, memCurrent, memMax, memStat, ioStat, pidsCurrent, pidsMax] = await Promise.all(
    ['cpu.stat', 'memory.current', 'memory.max', 'memory.stat', 'io.stat', 'pids.current', 'pids.max'].map((f) => read(join(dir, f))),
  );
  if (cpuStat === undefined && memCurrent === undefined) throw new Error(`no cgroup at ${dir}`);
  const cpu = keyValues(cpuStat);
  const pidsLimit = number(pidsMax);
  return {
    pids_stats: { current: number(pidsCurrent), ...(pidsLimit ? { limit: pidsLimit } : {}) },
    blkio_stats: blkioStatsV2(ioStat),
    cpu_stats: {
      cpu_usage: { total_usage: (cpu.usage_usec ?? 0) * 1000, usage_in_kernelmode: (cpu.system_usec ?? 0) * 1000, usage_in_usermode: (cpu.user_usec ?? 0) * 1000 },
      throttling_data: { periods: cpu.nr_periods ?? 0, throttled_periods: cpu.nr_throttled ?? 0, throttled_time: (cpu.throttled_usec ?? 0) * 1000 },
    },
    memory_stats: { usage: number(memCurrent), stats: keyValues(memStat) },
    rawLimit: number(memMax),
  };
}

/**
 * One stats sample of a container: its cgroup (`/<parent>/<id>`, v1 controllers or the v2 tree),
 * the network counters seen from its init process (`pid`), and the host's CPU time and memory.
 */
export async function cgroupStats(cgroupPath: string, pid: number | undefined): Promise<RuntimeStatsSample> {
  const unified = (await read(join(CGROUP_ROOT, 'cgroup.controllers'))) !== undefined;
  const [sample, procStat, meminfo, netDev] = await Promise.all([
    unified ? v2Sample(join(CGROUP_ROOT, cgroupPath)) : v1Sample(cgroupPath),
    read('/proc/stat'),
    read('/proc/meminfo'),
    pid ? read(`/proc/${pid}/net/dev`) : Promise.resolve(undefined),
  ]);
  const { rawLimit, ...rest } = sample;
  const host = hostCpu(procStat);
  const machine = hostMemory(meminfo);
  // No limit reads as a huge number (v1) or nothing (v2 `max`): dockerd reports the machine's memory then.
  const limit = rawLimit !== undefined && (machine === undefined || rawLimit < machine) ? rawLimit : machine;
  const networks = networkStats(netDev);
  return {
    ...rest,
    cpu_stats: { ...rest.cpu_stats, system_cpu_usage: host.systemCpuUsage, online_cpus: host.onlineCpus },
    memory_stats: { ...rest.memory_stats, ...(limit !== undefined ? { limit } : {}) },
    ...(networks ? { networks } : {}),
  };
}
