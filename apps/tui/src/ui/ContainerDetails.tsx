import React from 'react';
import { Box, Text } from 'ink';
import { containerTabs, type ContainerBrowserState, type ContainerTab } from '../model/index.js';
import { formatTable } from '../format/index.js';
import { DiffView } from './DiffView.js';
import { LogsView } from './LogsView.js';
import { StatsView } from './StatsView.js';
import { Panel } from './Panel.js';
import { Tabs } from './Tabs.js';

const tabTitles: Record<ContainerTab, string> = { logs: 'Logs', inspect: 'Inspect', top: 'Top', diff: 'Diff', stats: 'Stats' };

/** The main panel for the selected container: tabs Logs, Inspect, Top, Diff, Stats. */
export function ContainerDetails({ state, focused, width, height }: { state: ContainerBrowserState; focused: boolean; width: number; height: number }): React.ReactElement {
  const body = height - 3;
  const row = state.rows[state.selected];
  let content: React.ReactNode = null;
  if (!row) content = null;
  else if (state.tab === 'logs') content = <LogsView logs={state.logs} height={body} />;
  else if (state.tab === 'diff') content = <DiffView diff={state.diff} scroll={state.diffScroll} height={body} />;
  else if (state.tab === 'stats') content = <StatsView stats={state.stats} width={width - 2} />;
  else if (state.tab === 'inspect') {
    if (state.inspect.status === 'failed') content = <Text color="red" wrap="wrap">{state.inspect.error}</Text>;
    else if (state.inspect.status !== 'ready') content = <Text color="gray">Loading…</Text>;
    else
      content = (
        <Box flexDirection="column">
          {state.inspectLines.slice(state.inspectScroll, state.inspectScroll + body).map((line, i) => (
            <Text key={state.inspectScroll + i} wrap="truncate-end">
              {line === '' ? ' ' : line}
            </Text>
          ))}
        </Box>
      );
  } else {
    const top = state.top;
    if (top.status === 'failed') content = <Text color="red" wrap="wrap">{top.error}</Text>;
    else if (top.status !== 'ready') content = <Text color="gray">Loading…</Text>;
    else
      content = (
        <Box flexDirection="column">
          {formatTable([top.value.Titles, ...top.value.Processes])
            .slice(0, body)
            .map((line, i) => (
              <Text key={i} bold={i === 0} wrap="truncate-end">
                {line}
              </Text>
            ))}
        </Box>
      );
  }
  const title = (
    <Text>
      <Tabs titles={containerTabs.map((t) => tabTitles[t])} active={containerTabs.indexOf(state.tab)} focused={focused} />
      {row ? <Text color="gray"> {row.name}</Text> : null}
    </Text>
  );
  return (
    <Panel title={title} focused={focused} width={width} height={height}>
      {content}
    </Panel>
  );
}
