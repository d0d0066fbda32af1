import type { ContainerStats } from '@strata/core';
import { binarySize, humanSize } from '../format/index.js';

/** One `docker stats` row's numbers, worked out from a stats frame as the docker CLI does. */
export interface StatsFigures {
  cpuPercent: number;
  /** Memory in use, the inactive page cache left out (it can be reclaimed). */
  memoryUsage: number;
  memoryLimit: number;
  memoryPercent: number;
  netRx: number;
  netTx: number;
  blockRead: number;
  blockWrite: number;
  pids: number;
}

/** The figures of one frame (CPU % against the frame's `precpu_stats`). */
export function statsFigures(frame: ContainerStats): StatsFigures {
  const cpu = frame.cpu_stats;
  const pre = frame.precpu_stats;
  const cpuDelta = cpu.cpu_usage.total_usage - pre.cpu_usage.total_usage;
  const systemDelta = (cpu.system_cpu_usage ?? 0) - (pre.system_cpu_usage ?? 0);
  const cpus = cpu.online_cpus || cpu.cpu_usage.percpu_usage?.length || 0;
  const cpuPercent = systemDelta > 0 && cpuDelta > 0 ? (cpuDelta / systemDelta) * cpus * 100 : 0;
  const memory = frame.memory_stats;
  const usage = memory.usage ?? 0;
  // cgroup v1 names it total_inactive_file, v2 inactive_file; the docker CLI subtracts whichever is there.
  const inactive = memory.stats?.total_inactive_file ?? memory.stats?.inactive_file;
  const memoryUsage = inactive !== undefined && inactive < usage ? usage - inactive : usage;
  const memoryLimit = memory.limit ?? 0;
  let netRx = 0;
  let netTx = 0;
  for (const n of Object.values(frame.networks ?? {})) {
    netRx += n.rx_bytes;
    netTx += n.tx_bytes;
  }
  let blockRead = 0;
  let blockWrite = 0;
  for (const e of frame.blkio_stats.io_service_bytes_recursive ?? []) {
    const op = e.op.toLowerCase();
    if (op === 'read') blockRead += e.value;
    else if (op === 'write') blockWrite += e.value;
  }
  return {
    cpuPercent,
    memoryUsage,
    memoryLimit,
    memoryPercent: memoryLimit > 0 ? (memoryUsage / memoryLimit) * 100 : 0,
    netRx,
    netTx,
    blockRead,
    blockWrite,
    pids: frame.pids_stats.current ?? 0,
  };
}

/** The `docker stats` columns as the CLI prints them: CPU %, MEM USAGE / LIMIT, MEM %, NET I/O, BLOCK I/O, PIDS. */
export function statsCells(f: StatsFigures): { cpu: string; memory: string; memoryPercent: string; net: string; block: string; pids: string } {
  return {
    cpu: `${f.cpuPercent.toFixed(2)}%`,
    memory: `${binarySize(f.memoryUsage)} / ${binarySize(f.memoryLimit)}`,
    memoryPercent: `${f.memoryPercent.toFixed(2)}%`,
    net: `${humanSize(f.netRx)} / ${humanSize(f.netTx)}`,
    block: `${humanSize(f.blockRead)} / ${humanSize(f.blockWrite)}`,
    pids: String(f.pids),
  };
}
