import React from 'react';
import { Box, Text } from 'ink';
import type { Dialog } from '../model/index.js';

/** A question, a form or the filter/search line, drawn under the panels while it takes the keys. */
export function DialogBox({ dialog, width }: { dialog: Dialog; width: number }): React.ReactElement {
  if (dialog.kind === 'confirm') {
    return (
      <Box borderStyle="round" borderColor="yellow" width={width} paddingX={1} flexShrink={0}>
        <Text color="yellow" wrap="truncate-end">
          {dialog.message} (y/n)
        </Text>
      </Box>
    );
  }
  if (dialog.kind === 'text') {
    return (
      <Box width={width} flexShrink={0}>
        <Text wrap="truncate-end">
          <Text color="cyan">{dialog.purpose === 'filter' ? 'Filter: ' : dialog.purpose === 'paths' ? 'Filter paths: ' : 'Search logs: '}</Text>
          {dialog.text}
          <Text inverse> </Text>
        </Text>
      </Box>
    );
  }
  const labelWidth = Math.max(...dialog.fields.map((f) => f.label.length)) + 2;
  return (
    <Box flexDirection="column" borderStyle="round" borderColor="cyan" width={width} paddingX={1} flexShrink={0}>
      <Text bold wrap="truncate-end">
        {dialog.title}
      </Text>
      {dialog.fields.map((f, i) => (
        <Text key={f.name} wrap="truncate-end">
          <Text color={i === dialog.field ? 'cyan' : 'gray'}>{`${i === dialog.field ? '›' : ' '} ${f.label}:`.padEnd(labelWidth + 2)}</Text>
          {f.value}
          {i === dialog.field ? <Text inverse> </Text> : null}
          {f.value === '' && f.placeholder ? <Text color="gray"> {f.placeholder}</Text> : null}
        </Text>
      ))}
    </Box>
  );
}
