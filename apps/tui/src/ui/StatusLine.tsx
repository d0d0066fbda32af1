import React from 'react';
import { Text } from 'ink';
import type { BrowserState } from '../model/index.js';

/** One line: the last engine error, or what is being fetched, or nothing. */
export function StatusLine({ state }: { state: BrowserState }): React.ReactElement {
  if (state.error !== undefined) {
    return (
      <Text color="red" wrap="truncate-end">
        Error: {state.error}
      </Text>
    );
  }
  const busy = state.list.status === 'loading' || state.inspect.status === 'loading' || state.history.status === 'loading';
  return <Text color="gray">{busy ? 'Loading…' : ' '}</Text>;
}
