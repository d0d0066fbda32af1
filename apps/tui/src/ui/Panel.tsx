import React from 'react';
import { Box, Text } from 'ink';

export interface PanelProps {
  title: React.ReactNode;
  focused: boolean;
  width?: number | string;
  height: number;
  children?: React.ReactNode;
}

/** A bordered panel whose border is bright when it has the focus. */
export function Panel({ title, focused, width, height, children }: PanelProps): React.ReactElement {
  return (
    <Box flexDirection="column" borderStyle="round" borderColor={focused ? 'cyan' : 'gray'} width={width} height={height} flexShrink={0}>
      <Box height={1} flexShrink={0}>
        <Text wrap="truncate-end">{title}</Text>
      </Box>
      <Box flexDirection="column" flexGrow={1} overflow="hidden">
        {children}
      </Box>
    </Box>
  );
}
