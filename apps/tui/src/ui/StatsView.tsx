import React from 'react';
import { Box, Text } from 'ink';
import { binarySize } from '../format/index.js';
import { statsCells, type StatsState } from '../model/index.js';

const bars = '▁▂▃▄▅▆▇█';

/** A one-line graph of `values` (newest right), scaled to `max`, at most `width` samples. */
export function sparkline(values: readonly number[], max: number, width: number): string {
  const shown = values.slice(-Math.max(1, width));
  return shown.map((v) => bars[Math.max(0, Math.min(bars.length - 1, max > 0 ? Math.round((v / max) * (bars.length - 1)) : 0))]).join('');
}

/** The Stats tab: docker stats' columns for the container, live, with a minute of CPU and memory graphs. */
export function StatsView({ stats, width }: { stats: StatsState; width: number }): React.ReactElement {
  if (stats.status === 'failed' && !stats.latest) return <Text color="red" wrap="wrap">{stats.error}</Text>;
  if (!stats.latest) return <Text color="gray">Waiting for the first sample…</Text>;
  const f = stats.latest;
  const cells = statsCells(f);
  const graphWidth = Math.max(10, width - 16);
  const cpuMax = Math.max(100, ...stats.cpuHistory);
  const memMax = Math.max(f.memoryLimit > 0 ? Math.min(f.memoryLimit, Math.max(...stats.memoryHistory) * 2) : 0, ...stats.memoryHistory);
  const rows: Array<[string, string]> = [
    ['CPU %', cells.cpu],
    ['MEM USAGE / LIMIT', cells.memory],
    ['MEM %', cells.memoryPercent],
    ['NET I/O', cells.net],
    ['BLOCK I/O', cells.block],
    ['PIDS', cells.pids],
  ];
  const status = stats.status === 'streaming' ? 'live, a sample a second' : stats.status === 'ended' ? 'ended: the container stopped' : (stats.error ?? '');
  return (
    <Box flexDirection="column">
      <Text color="gray" wrap="truncate-end">
        {status}
      </Text>
      {rows.map(([label, value]) => (
        <Text key={label} wrap="truncate-end">
          <Text bold>{label.padEnd(19)}</Text>
          {value}
        </Text>
      ))}
      <Text> </Text>
      <Text wrap="truncate-end">
        <Text bold>{'CPU'.padEnd(6)}</Text>
        <Text color="green">{sparkline(stats.cpuHistory, cpuMax, graphWidth)}</Text>
        <Text color="gray"> {cpuMax.toFixed(0)}%</Text>
      </Text>
      <Text wrap="truncate-end">
        <Text bold>{'MEM'.padEnd(6)}</Text>
        <Text color="cyan">{sparkline(stats.memoryHistory, memMax, graphWidth)}</Text>
        <Text color="gray"> {binarySize(memMax)}</Text>
      </Text>
    </Box>
  );
}
