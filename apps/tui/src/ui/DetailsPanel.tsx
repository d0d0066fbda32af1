import React from 'react';
import { Box, Text } from 'ink';
import type { BrowserState, DetailTab } from '../model/index.js';
import { detailTabs } from '../model/index.js';
import { Panel } from './Panel.js';
import { TableLines } from './TableLines.js';
import { LayersView } from './LayersView.js';

const tabTitles: Record<DetailTab, string> = { inspect: 'Inspect', history: 'History', layers: 'Layers' };

export interface DetailsPanelProps {
  state: BrowserState;
  /** The history table laid out: header first. */
  historyTable: string[];
  width?: number | string;
  height: number;
}

function Tabs({ active, focused }: { active: DetailTab; focused: boolean }): React.ReactElement {
  return (
    <Text>
      {detailTabs.map((tab) => (
        <Text key={tab} inverse={tab === active} bold={tab === active && focused}>
          {` ${tabTitles[tab]} `}
        </Text>
      ))}
    </Text>
  );
}

function InspectView({ state, height }: { state: BrowserState; height: number }): React.ReactElement {
  const { inspect } = state;
  if (inspect.status === 'failed') return <Text color="red" wrap="wrap">{inspect.error}</Text>;
  if (inspect.status !== 'ready') return <Text color="gray">{inspect.status === 'loading' ? 'Loading…' : ''}</Text>;
  const lines = state.inspectLines.slice(state.inspectScroll, state.inspectScroll + height);
  return (
    <Box flexDirection="column">
      {lines.map((line, i) => (
        <Text key={state.inspectScroll + i} wrap="truncate-end">
          {line === '' ? ' ' : line}
        </Text>
      ))}
    </Box>
  );
}

function HistoryView({ state, table, height }: { state: BrowserState; table: string[]; height: number }): React.ReactElement {
  const { history } = state;
  if (history.status === 'failed') return <Text color="red" wrap="wrap">{history.error}</Text>;
  if (history.status !== 'ready') return <Text color="gray">{history.status === 'loading' ? 'Loading…' : ''}</Text>;
  const focused = state.focus === 'details';
  const entry = history.value[state.historyCursor];
  const tableHeight = Math.max(1, Math.min(table.length - 1, height - 4));
  return (
    <Box flexDirection="column">
      <TableLines header={table[0]} lines={table.slice(1)} highlighted={focused ? state.historyCursor : -1} focused={focused} height={tableHeight} />
      {focused && entry && entry.CreatedBy !== '' ? (
        <Box marginTop={1} height={Math.max(1, height - tableHeight - 2)} overflow="hidden">
          <Text wrap="wrap" color="gray">
            {entry.CreatedBy}
          </Text>
        </Box>
      ) : null}
    </Box>
  );
}

/** The details of the selected image: tabs Inspect (the JSON, scrollable) and History. */
export function DetailsPanel({ state, historyTable, width, height }: DetailsPanelProps): React.ReactElement {
  const focused = state.focus === 'details';
  const body = height - 3;
  return (
    <Panel title={<Tabs active={state.tab} focused={focused} />} focused={focused} width={width} height={height}>
      {state.rows.length === 0 ? null : state.tab === 'inspect' ? (
        <InspectView state={state} height={body} />
      ) : state.tab === 'layers' ? (
        <LayersView state={state} width={typeof width === 'number' ? width - 2 : 80} height={body} />
      ) : (
        <HistoryView state={state} table={historyTable} height={body} />
      )}
    </Panel>
  );
}
