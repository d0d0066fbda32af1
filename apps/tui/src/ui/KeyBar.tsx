import React from 'react';
import { Box, Text } from 'ink';
import type { KeyBinding } from '../model/index.js';

const shownOf = (bindings: KeyBinding[]): KeyBinding[] => bindings.filter((b) => b.hint !== undefined);

/** Columns the key bar needs on one line. */
export function keyBarWidth(bindings: KeyBinding[]): number {
  return shownOf(bindings).reduce((n, b, i) => n + (i > 0 ? 2 : 0) + [...b.label].length + 1 + [...(b.hint ?? '')].length, 0);
}

/** The bottom bar: the keys of the focused panel, from the keymap; wraps to a second line between keys when needed. */
export function KeyBar({ bindings, width }: { bindings: KeyBinding[]; width?: number }): React.ReactElement {
  const shown = shownOf(bindings);
  const lines: KeyBinding[][] = [[]];
  let used = 0;
  for (const b of shown) {
    const size = [...b.label].length + 1 + [...(b.hint ?? '')].length;
    if (width !== undefined && used > 0 && used + 2 + size > width && lines.length < 2) {
      lines.push([]);
      used = 0;
    }
    used += (used > 0 ? 2 : 0) + size;
    lines[lines.length - 1].push(b);
  }
  return (
    <Box flexDirection="column" flexShrink={0}>
      {lines.map((line, n) => (
        <Text key={n} wrap="truncate-end">
          {line.map((b, i) => (
            <Text key={`${b.scope}-${b.action}`}>
              {i > 0 ? '  ' : ''}
              <Text color="cyan">{b.label}</Text> {b.hint}
            </Text>
          ))}
        </Text>
      ))}
    </Box>
  );
}
