import React from 'react';
import { Box, Text } from 'ink';
import { keyLabel, type KeyBinding } from '../model/index.js';

const shownOf = (bindings: KeyBinding[]): KeyBinding[] => bindings.filter((b) => b.hint !== undefined);

/** Columns the key bar needs on one line. */
export function keyBarWidth(bindings: KeyBinding[]): number {
  return shownOf(bindings).reduce((n, b, i) => n + (i > 0 ? 2 : 0) + [...b.label].length + 1 + [...(b.hint ?? '')].length, 0);
}

interface Shown {
  binding: KeyBinding;
  label: string;
}

/** The keys split into at most two lines of `width`; `fits` is false when some would be cut off. */
function layout(shown: Shown[], width: number | undefined): { lines: Shown[][]; fits: boolean } {
  const lines: Shown[][] = [[]];
  let used = 0;
  let fits = true;
  for (const s of shown) {
    const size = [...s.label].length + 1 + [...(s.binding.hint ?? '')].length;
    if (width !== undefined && used > 0 && used + 2 + size > width) {
      if (lines.length < 2) {
        lines.push([]);
        used = 0;
      } else fits = false;
    }
    used += (used > 0 ? 2 : 0) + size;
    lines[lines.length - 1].push(s);
  }
  return { lines, fits };
}

/**
 * The bottom bar: the keys of the focused panel, from the keymap; wraps to a second line between keys
 * when needed, and writes each binding's first key only when even two lines would not hold all of them.
 */
export function KeyBar({ bindings, width }: { bindings: KeyBinding[]; width?: number }): React.ReactElement {
  const shown = shownOf(bindings);
  let { lines, fits } = layout(shown.map((binding) => ({ binding, label: binding.label })), width);
  if (!fits) ({ lines } = layout(shown.map((binding) => ({ binding, label: keyLabel(binding.specs[0] ?? '') })), width));
  return (
    <Box flexDirection="column" flexShrink={0}>
      {lines.map((line, n) => (
        <Text key={n} wrap="truncate-end">
          {line.map(({ binding: b, label }, i) => (
            <Text key={`${b.scope}-${b.action}`}>
              {i > 0 ? '  ' : ''}
              <Text color="cyan">{label}</Text> {b.hint}
            </Text>
          ))}
        </Text>
      ))}
    </Box>
  );
}
