import React from 'react';
import { Box, Text } from 'ink';
import type { DiskUsage } from '@strata/core';
import { formatTable, humanSize } from '../format/index.js';
import { diskUsageRows, pruneEstimate, pruneKinds, pruneWords, type Loadable } from '../model/index.js';
import { Panel } from './Panel.js';

/** `docker system df` in the main panel, with what each prune would free; the selected row is the one `p` prunes. */
export function DiskUsageView({ disk, selected = 0, width, height }: { disk: Loadable<DiskUsage>; selected?: number; width: number; height: number }): React.ReactElement {
  let content: React.ReactNode;
  if (disk.status === 'failed') content = <Text color="red" wrap="wrap">{disk.error}</Text>;
  else if (disk.status !== 'ready') content = <Text color="gray">Loading…</Text>;
  else {
    const rows = diskUsageRows(disk.value);
    const estimate = pruneEstimate(disk.value);
    const table = formatTable([
      ['TYPE', 'TOTAL', 'ACTIVE', 'SIZE', 'RECLAIMABLE', 'PRUNE FREES'],
      ...rows.map((r, i) => {
        const e = estimate[pruneKinds[i]];
        return [r.type, String(r.total), String(r.active), humanSize(r.size), `${humanSize(r.reclaimable)}${r.size > 0 ? ` (${Math.round((r.reclaimable * 100) / r.size)}%)` : ''}`, `${humanSize(e.bytes)} (${e.count})`];
      }),
    ]);
    const total = pruneKinds.reduce((n, k) => n + estimate[k].bytes, 0);
    content = (
      <Box flexDirection="column">
        {table.map((line, i) => (
          <Text key={i} bold={i === 0} inverse={i === selected + 1} wrap="truncate-end">
            {line}
          </Text>
        ))}
        <Text> </Text>
        <Text wrap="wrap" color="gray">
          p prunes the selected row ({pruneWords[pruneKinds[selected] ?? 'images']}); P prunes all four, freeing about {humanSize(total)}. Both ask first.
        </Text>
      </Box>
    );
  }
  return (
    <Panel title={<Text bold>Disk usage</Text>} focused={false} width={width} height={height}>
      {content}
    </Panel>
  );
}
