import React from 'react';
import { Text } from 'ink';
import type { BrowserState } from '../model/index.js';
import { Panel } from './Panel.js';
import { TableLines } from './TableLines.js';

/** What to say when there is nothing to list: how to get an image in. */
export const emptyStateText =
  'No images yet. Load one: start stratad and run `docker load -i image.tar`, or `strata load image.tar`';

export interface ImagesPanelProps {
  state: BrowserState;
  /** The image table laid out: header first. */
  table: string[];
  width?: number | string;
  height: number;
}

/** The Images panel: one row per tag, as `docker images` prints them. */
export function ImagesPanel({ state, table, width, height }: ImagesPanelProps): React.ReactElement {
  const focused = state.focus === 'images';
  const body = height - 3;
  let content: React.ReactNode;
  if (state.list.status === 'failed' && state.rows.length === 0) {
    content = <Text color="red" wrap="wrap">Could not list images: {state.list.error}</Text>;
  } else if (state.rows.length === 0 && state.list.status !== 'ready') {
    content = <Text color="gray">Loading images…</Text>;
  } else if (state.rows.length === 0) {
    content = <Text wrap="wrap">{emptyStateText}</Text>;
  } else {
    content = <TableLines header={table[0]} lines={table.slice(1)} highlighted={state.selected} focused={focused} height={body - 1} />;
  }
  const count = state.rows.length > 0 ? ` (${state.selected + 1}/${state.rows.length})` : '';
  return (
    <Panel title={<Text bold={focused}>Images{count}</Text>} focused={focused} width={width} height={height}>
      {content}
    </Panel>
  );
}
