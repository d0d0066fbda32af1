import React from 'react';
import { Box, Text } from 'ink';
import { changeColors, type ChangeLine, type Loadable } from '../model/index.js';

/** The Diff tab: `docker diff` of the container, A/C/D coloured as in the Layers tab. */
export function DiffView({ diff, scroll, height }: { diff: Loadable<ChangeLine[]>; scroll: number; height: number }): React.ReactElement {
  if (diff.status === 'failed') return <Text color="red" wrap="wrap">{diff.error}</Text>;
  if (diff.status !== 'ready') return <Text color="gray">Loading…</Text>;
  const counts = { A: 0, C: 0, D: 0 };
  for (const l of diff.value) counts[l.mark]++;
  return (
    <Box flexDirection="column">
      <Text color="gray" wrap="truncate-end">
        {diff.value.length === 0 ? 'no changes to the image’s files' : `${counts.A} added, ${counts.C} changed, ${counts.D} deleted`}
      </Text>
      {diff.value.slice(scroll, scroll + Math.max(1, height - 1)).map((line, i) => (
        <Text key={scroll + i} wrap="truncate-end" color={changeColors[line.mark]}>
          {line.mark} {line.path}
        </Text>
      ))}
    </Box>
  );
}
