import React from 'react';
import { Text } from 'ink';

/** A row of tab titles, the active one inverted. */
export function Tabs({ titles, active, focused }: { titles: readonly string[]; active: number; focused: boolean }): React.ReactElement {
  return (
    <Text>
      {titles.map((title, i) => (
        <Text key={title} inverse={i === active} bold={i === active && focused}>
          {` ${title} `}
        </Text>
      ))}
    </Text>
  );
}
