import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ContainerStats } from '@strata/core';
import { imageFixturesDir } from '../testing/fixture-engine.js';
import { statsCells, statsFigures } from './stats-figures.js';

const captures = join(imageFixturesDir, '..', 'docker-api-captures');

/** The frame dockerd sent and the row the docker CLI printed from it, in the `docker stats --no-stream` capture. */
function capture(): { frame: ContainerStats; row: string[] } {
  const text = readFileSync(join(captures, 'stats_no_stream.txt'), 'utf8').split('\n');
  const frame = JSON.parse(text.find((l) => l.startsWith('{"read"'))!.replace(/\\n$/, '')) as ContainerStats;
  const header = text.findIndex((l) => l.startsWith('CONTAINER ID'));
  return { frame, row: text[header + 1].split(/\s{2,}/) };
}

describe('stats figures', () => {
  it('match the row the docker CLI printed for the captured frame', () => {
    const { frame, row } = capture();
    const cells = statsCells(statsFigures(frame));
    // CONTAINER ID, NAME, CPU %, MEM USAGE / LIMIT, MEM %, NET I/O, BLOCK I/O, PIDS
    expect([cells.cpu, cells.memory, cells.memoryPercent, cells.net, cells.block, cells.pids]).toEqual(row.slice(2));
  });

  it('CPU % is the container\'s share of the host\'s CPU time since the previous sample, times the CPUs', () => {
    const { frame } = capture();
    const busy: ContainerStats = {
      ...frame,
      cpu_stats: { ...frame.cpu_stats, cpu_usage: { ...frame.cpu_stats.cpu_usage, total_usage: frame.precpu_stats.cpu_usage.total_usage + 985_000_000 } },
      memory_stats: { ...frame.memory_stats, usage: 10 * 1024 * 1024, stats: { ...frame.memory_stats.stats, total_inactive_file: 2 * 1024 * 1024 } },
      networks: { eth0: { rx_bytes: 1500, rx_packets: 2, rx_errors: 0, rx_dropped: 0, tx_bytes: 2_500_000, tx_packets: 9, tx_errors: 0, tx_dropped: 0 } },
      blkio_stats: { ...frame.blkio_stats, io_service_bytes_recursive: [{ major: 8, minor: 0, op: 'Read', value: 4096 }, { major: 8, minor: 0, op: 'Write', value: 8_400_000 }, { major: 8, minor: 0, op: 'Total', value: 8_404_096 }] },
    };
    // 0.985 s of CPU over 1.97 s of host CPU time (2 CPUs for 0.985 s): 50 % of one CPU, times 2.
    const cells = statsCells(statsFigures(busy));
    expect(cells).toEqual({ cpu: '100.00%', memory: '8MiB / 23.54GiB', memoryPercent: '0.03%', net: '1.5kB / 2.5MB', block: '4.1kB / 8.4MB', pids: '1' });
  });
});
