import React from 'react';
import { Box, Text } from 'ink';

export interface TableLinesProps {
  header: string;
  lines: string[];
  /** Index into `lines` to highlight, or -1. */
  highlighted: number;
  /** Inverse highlight when the panel has the focus, bold otherwise. */
  focused: boolean;
  /** How many of `lines` fit below the header. */
  height: number;
}

/** First line to show so that `selected` stays in a window of `height` lines. */
export function windowStart(selected: number, count: number, height: number): number {
  if (count <= height || selected < 0) return 0;
  return Math.min(Math.max(0, selected - height + 1), count - height);
}

/** A table already laid out as lines: a header and a window of rows around the highlight. */
export function TableLines({ header, lines, highlighted, focused, height }: TableLinesProps): React.ReactElement {
  const start = windowStart(highlighted, lines.length, height);
  const visible = lines.slice(start, start + height);
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate-end">
        {header}
      </Text>
      {visible.map((line, i) => {
        const on = start + i === highlighted;
        return (
          <Text key={start + i} wrap="truncate-end" inverse={on && focused} bold={on && !focused} color={on && !focused ? 'cyan' : undefined}>
            {line}
          </Text>
        );
      })}
    </Box>
  );
}
