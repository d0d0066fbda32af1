import React from 'react';
import { Text } from 'ink';
import { keyLabel, type KeyBinding } from '../model/index.js';

/** The bottom bar: the keys of the focused panel, from the keymap; each with its first key only when all of them would not fit in `width`. */
export function KeyBar({ bindings, width }: { bindings: KeyBinding[]; width?: number }): React.ReactElement {
  const shown = bindings.filter((b) => b.hint !== undefined);
  const fullLength = shown.reduce((n, b, i) => n + (i > 0 ? 2 : 0) + [...b.label].length + 1 + [...(b.hint ?? '')].length, 0);
  const compact = width !== undefined && fullLength > width;
  return (
    <Text wrap="truncate-end">
      {shown.map((b, i) => (
        <Text key={`${b.scope}-${b.action}`}>
          {i > 0 ? '  ' : ''}
          <Text color="cyan">{compact ? keyLabel(b.specs[0] ?? '') : b.label}</Text> {b.hint}
        </Text>
      ))}
    </Text>
  );
}
