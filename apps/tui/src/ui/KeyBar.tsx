import React from 'react';
import { Text } from 'ink';
import type { KeyBinding } from '../model/index.js';

/** The bottom bar: the keys of the focused panel, from the keymap. */
export function KeyBar({ bindings }: { bindings: KeyBinding[] }): React.ReactElement {
  const shown = bindings.filter((b) => b.hint !== undefined);
  return (
    <Text wrap="truncate-end">
      {shown.map((b, i) => (
        <Text key={`${b.scope}-${b.action}`}>
          {i > 0 ? '  ' : ''}
          <Text color="cyan">{b.label}</Text> {b.hint}
        </Text>
      ))}
    </Text>
  );
}
