import React from 'react';
import { Text } from 'ink';
import type { Workbench } from '../model/index.js';

/** One line: the engine's message for the last failure, else running tasks, else what the last action did. */
export function StatusLine({ workbench }: { workbench: Workbench }): React.ReactElement {
  const state = workbench.state;
  const images = workbench.images.state;
  const error = state.error ?? images.error;
  if (error !== undefined) {
    return (
      <Text color="red" wrap="truncate-end">
        Error: {error}
      </Text>
    );
  }
  const running = workbench.jobs.running;
  if (state.tasks.length > 0 || running.length > 0) {
    return (
      <Text color="yellow" wrap="truncate-end">
        {[...state.tasks.map((t) => `… ${t.label}${t.progress ? `: ${t.progress}` : ''}`), ...running.map((j) => `… ${j.title}: ${j.summary}`)].join('   ')}
        {running.length > 0 && !state.jobsOpen ? <Text color="gray">   (J: jobs)</Text> : null}
      </Text>
    );
  }
  if (state.notice !== undefined) {
    return (
      <Text color="green" wrap="truncate-end">
        {state.notice}
      </Text>
    );
  }
  return <Text> </Text>;
}
