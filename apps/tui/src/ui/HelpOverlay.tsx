import React from 'react';
import { Box, Text } from 'ink';
import type { KeyBinding, Scope } from '../model/index.js';

const scopeTitles: Record<Scope, string> = { images: 'Images panel', details: 'Details panel', global: 'Everywhere' };

/** Every key of the keymap, grouped by where it works. */
export function HelpOverlay({ bindings, height }: { bindings: readonly KeyBinding[]; height: number }): React.ReactElement {
  const width = Math.max(...bindings.map((b) => [...b.label].length)) + 2;
  const scopes: Scope[] = ['images', 'details', 'global'];
  return (
    <Box flexDirection="column" borderStyle="round" borderColor="cyan" height={height} paddingX={1} flexShrink={0}>
      <Text bold>Keys (any key closes this)</Text>
      {scopes.map((scope) => (
        <Box key={scope} flexDirection="column" marginTop={1}>
          <Text underline>{scopeTitles[scope]}</Text>
          {bindings
            .filter((b) => b.scope === scope)
            .map((b) => (
              <Text key={`${scope}-${b.action}`}>
                <Text color="cyan">{b.label.padEnd(width)}</Text>
                {b.description}
              </Text>
            ))}
        </Box>
      ))}
    </Box>
  );
}
