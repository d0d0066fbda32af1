import React, { useMemo } from 'react';
import { Box, Text } from 'ink';
import { formatTable, humanSize } from '../format/index.js';
import { layerTree, shownTree, type BrowserState } from '../model/index.js';
import { TableLines } from './TableLines.js';

const changeColors = { added: 'green', modified: 'yellow', removed: 'red' } as const;
const changeMarks = { added: '+', modified: '~', removed: '-' } as const;

/** The Layers tab (dive's view): the layer list with size and command, the efficiency figures, and the file tree of the selected layer. */
export function LayersView({ state, width, height }: { state: BrowserState; width: number; height: number }): React.ReactElement {
  const { analysis } = state;
  const report = analysis.status === 'ready' ? analysis.value : undefined;
  const table = useMemo(
    () => (report ? formatTable([['#', 'SIZE', 'COMMAND'], ...report.layers.map((l) => [String(l.index), humanSize(l.size), l.command.replace(/\s+/g, ' ') || '<none>'])]) : []),
    [report],
  );
  const tree = useMemo(
    () => (report ? shownTree(layerTree(report, state.layerCursor, state.aggregated), state.layerView) : []),
    [report, state.layerCursor, state.aggregated, state.layerView],
  );
  if (analysis.status === 'failed') return <Text color="red" wrap="wrap">{analysis.error}</Text>;
  if (!report) return <Text color="gray">{analysis.status === 'loading' ? 'Analysing layers…' : ''}</Text>;
  const focused = state.focus === 'details';
  const listHeight = Math.max(2, Math.min(report.layers.length, Math.floor(height / 3)));
  const layer = report.layers[state.layerCursor];
  const treeHeight = Math.max(1, height - listHeight - 5);
  const view = state.layerView;
  const shown = tree.slice(state.treeScroll, state.treeScroll + treeHeight);
  const dive = report.dive;
  return (
    <Box flexDirection="column" width={width}>
      <TableLines header={table[0]} lines={table.slice(1)} highlighted={state.layerCursor} focused={focused} height={listHeight} />
      <Text wrap="truncate-end" color="cyan">
        efficiency {(dive.efficiency * 100).toFixed(2)}%  wasted {humanSize(dive.wastedBytes)}
        {dive.wastedUserPercent !== null ? ` (${(dive.wastedUserPercent * 100).toFixed(1)}% of user layers)` : ''}  image {humanSize(dive.sizeBytes)}
      </Text>
      <Text wrap="truncate-end" bold>
        {state.aggregated ? `Every layer up to ${state.layerCursor}` : `Layer ${state.layerCursor}`}: {tree.length} changes
        {layer ? `  +${layer.counts.added} ~${layer.counts.modified} -${layer.counts.removed}` : ''}
        {tree.length > treeHeight ? `  (${state.treeScroll + 1}-${Math.min(tree.length, state.treeScroll + treeHeight)}, pgup/pgdn)` : ''}
      </Text>
      <Text wrap="truncate-end" color="gray">
        sorted by {view.sort}
        {view.filter ? `  paths with "${view.filter}"` : ''}
        {view.hideUnchanged ? '  unchanged hidden' : state.aggregated ? '  unchanged in white' : ''}
        {tree.length === 0 && view.filter && !state.aggregated ? '  (this layer changed none of them; a shows every layer)' : ''}
      </Text>
      {shown.map((line) => (
        <Text key={line.path} wrap="truncate-end" color={line.unchanged ? undefined : changeColors[line.change]}>
          {line.unchanged ? ' ' : changeMarks[line.change]} {humanSize(line.size).padStart(8)} {line.label}
          {line.kind === 'd' ? '/' : ''}
          {line.link ? ` → ${line.link}` : ''}
          {state.aggregated ? <Text color="gray"> ({line.layer})</Text> : null}
        </Text>
      ))}
    </Box>
  );
}
