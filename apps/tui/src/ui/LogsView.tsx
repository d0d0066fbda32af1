import React from 'react';
import { Box, Text } from 'ink';
import { highlightSegments, type LogsState } from '../model/index.js';

/** The Logs tab: a window of lines, search matches highlighted, the current match's line marked. */
export function LogsView({ logs, height }: { logs: LogsState; height: number }): React.ReactElement {
  if (logs.status === 'failed') return <Text color="red" wrap="wrap">{logs.error}</Text>;
  const bodyHeight = Math.max(1, height - 1);
  const visible = logs.lines.slice(logs.scroll, logs.scroll + bodyHeight);
  const current = logs.match >= 0 ? logs.matches[logs.match] : -1;
  const where =
    logs.query === ''
      ? ''
      : logs.matches.length === 0
        ? `  /${logs.query}: no match`
        : `  /${logs.query}: match ${logs.match + 1} of ${logs.matches.length}`;
  const state = logs.status === 'streaming' ? (logs.follow ? 'following' : 'paused at line ' + (logs.scroll + 1)) : logs.status === 'ended' ? 'ended' : '';
  return (
    <Box flexDirection="column">
      <Text color="gray" wrap="truncate-end">
        {logs.lines.length} lines, {state}
        {where}
      </Text>
      {visible.length === 0 && logs.status !== 'streaming' ? <Text color="gray">(no output)</Text> : null}
      {visible.map((line, i) => {
        const index = logs.scroll + i;
        return (
          <Text key={index} wrap="truncate-end" color={line.stderr ? 'red' : undefined} bold={index === current}>
            {index === current ? '›' : ' '}
            {highlightSegments(line.text === '' ? ' ' : line.text, logs.query).map((s, n) =>
              s.match ? (
                <Text key={n} backgroundColor="yellow" color="black">
                  {s.text}
                </Text>
              ) : (
                s.text
              ),
            )}
          </Text>
        );
      })}
    </Box>
  );
}
