import React from 'react';
import { Box, Text } from 'ink';
import type { DiskUsage } from '@strata/core';
import { formatTable, humanSize } from '../format/index.js';
import { diskUsageRows, type Loadable } from '../model/index.js';
import { Panel } from './Panel.js';

/** `docker system df` in the main panel. */
export function DiskUsageView({ disk, width, height }: { disk: Loadable<DiskUsage>; width: number; height: number }): React.ReactElement {
  let content: React.ReactNode;
  if (disk.status === 'failed') content = <Text color="red" wrap="wrap">{disk.error}</Text>;
  else if (disk.status !== 'ready') content = <Text color="gray">Loading…</Text>;
  else {
    const rows = diskUsageRows(disk.value);
    const table = formatTable([
      ['TYPE', 'TOTAL', 'ACTIVE', 'SIZE', 'RECLAIMABLE'],
      ...rows.map((r) => [r.type, String(r.total), String(r.active), humanSize(r.size), `${humanSize(r.reclaimable)}${r.size > 0 ? ` (${Math.round((r.reclaimable * 100) / r.size)}%)` : ''}`]),
    ]);
    content = (
      <Box flexDirection="column">
        {table.map((line, i) => (
          <Text key={i} bold={i === 0} wrap="truncate-end">
            {line}
          </Text>
        ))}
      </Box>
    );
  }
  return (
    <Panel title={<Text bold>Disk usage</Text>} focused={false} width={width} height={height}>
      {content}
    </Panel>
  );
}
