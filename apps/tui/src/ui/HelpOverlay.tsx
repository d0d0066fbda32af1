import React from 'react';
import { Box, Text } from 'ink';
import { bindingName, scopes, type KeyBinding, type Scope } from '../model/index.js';

const scopeTitles: Record<Scope, string> = {
  list: 'Lists (left)',
  main: 'Main panel (right)',
  containers: 'Containers',
  images: 'Images',
  volumes: 'Volumes',
  disk: 'Disk usage',
  logs: 'Logs tab',
  layers: 'Layers tab',
  global: 'Everywhere',
  confirm: 'Questions',
  form: 'Forms',
  text: 'Filter and search',
};

/** Every key of the keymap, grouped by where it works, in columns; with the names keys.json rebinds them by. */
export function HelpOverlay({ bindings, height, width, scroll = 0 }: { bindings: readonly KeyBinding[]; height: number; width: number; scroll?: number }): React.ReactElement {
  const labelWidth = Math.max(...bindings.map((b) => [...b.label].length)) + 1;
  // The name (what keys.json rebinds by) before the words, so a narrow column cuts only the words.
  const nameWidth = Math.max(...bindings.map((b) => bindingName(b).length)) + 1;
  const columns = width >= 110 ? 2 : 1;
  const columnWidth = Math.floor((width - 4) / columns);
  const blocks = scopes.map((scope) => ({ scope, rows: bindings.filter((b) => b.scope === scope) })).filter((b) => b.rows.length > 0);
  const perColumn: Array<typeof blocks> = Array.from({ length: columns }, () => []);
  const total = blocks.reduce((sum, b) => sum + b.rows.length + 1, 0);
  let column = 0;
  let used = 0;
  for (const block of blocks) {
    // A column never runs past the overlay's height (border and title take 3 lines).
    if (used > 0 && used + block.rows.length + 1 > Math.min(Math.ceil(total / columns) + 2, height - 3) && column < columns - 1) {
      column++;
      used = 0;
    }
    perColumn[column].push(block);
    used += block.rows.length + 1;
  }
  return (
    <Box flexDirection="column" borderStyle="round" borderColor="cyan" height={height} paddingX={1} flexShrink={0} overflow="hidden">
      <Text bold>Keys (any key closes this; ↓/↑ scroll it; rebind them in keys.json by the names in grey)</Text>
      <Box flexDirection="row">
        {perColumn.map((column, c) => (
          <Box key={c} flexDirection="column" width={columnWidth} flexShrink={0}>
            {column
              .flatMap(({ scope, rows }) => [
                <Text key={scope} underline>
                  {scopeTitles[scope]}
                </Text>,
                ...rows.map((b) => (
                  <Text key={bindingName(b)} wrap="truncate-end">
                    <Text color="cyan">{b.label.padEnd(labelWidth)}</Text>
                    <Text color="gray">{bindingName(b).padEnd(nameWidth)}</Text>
                    {b.description}
                  </Text>
                )),
              ])
              .slice(Math.min(scroll, Math.ceil(total / columns)), Math.min(scroll, Math.ceil(total / columns)) + Math.max(1, height - 3))}
          </Box>
        ))}
      </Box>
    </Box>
  );
}
