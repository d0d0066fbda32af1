import React from 'react';
import { Box, Text } from 'ink';
import type { PanelId, Workbench } from '../model/index.js';
import { Panel } from './Panel.js';
import { TableLines } from './TableLines.js';
import { formatTable } from '../format/index.js';

/** What to say when there is nothing to list: how to get an image in. */
export const emptyStateText = 'No images yet. Press L to load a docker save archive, or run `strata load image.tar` first.';
export const noContainersText = 'No containers. Select an image (2) and press r to run one.';
export const noVolumesText = 'No volumes. docker volume create NAME (or -v NAME:/path on run) makes one.';

const titles: Record<PanelId, string> = { containers: 'Containers', images: 'Images', volumes: 'Volumes', disk: 'Disk usage' };

export interface SidePanelsProps {
  workbench: Workbench;
  /** Laid-out tables (header first) of the containers and images panels. */
  containerTable: string[];
  imageTable: string[];
  width: number;
  height: number;
}

/** The panels on the left: the current one open, the others folded to their title. */
export function SidePanels({ workbench, containerTable, imageTable, width, height }: SidePanelsProps): React.ReactElement {
  const state = workbench.state;
  const folded = 3;
  const openHeight = Math.max(5, height - folded * 3);
  const c = workbench.containers.state;
  const i = workbench.images.state;
  const count = (visible: number[], selected: number, total: number, filter: string): string =>
    total === 0 ? '' : ` (${visible.length > 0 ? `${visible.indexOf(selected) + 1}/` : ''}${visible.length}${filter ? ` of ${total}, /${filter}` : ''})`;
  const summary: Record<PanelId, string> = {
    containers: count(c.visible, c.selected, c.rows.length, c.filter),
    images: count(i.visible, i.selected, i.rows.length, i.filter) + (i.all ? ' -a' : ''),
    volumes: '',
    disk: '',
  };
  return (
    <Box flexDirection="column" width={width} height={height} flexShrink={0}>
      {(['containers', 'images', 'volumes', 'disk'] as const).map((panel, n) => {
        const open = panel === state.panel;
        const focused = open && state.focus === 'side';
        const title = (
          <Text bold={open}>
            <Text color={open ? 'cyan' : 'gray'}>[{n + 1}]</Text> {titles[panel]}
            {summary[panel]}
          </Text>
        );
        if (!open) return <Panel key={panel} title={title} focused={false} width={width} height={folded} />;
        const body = openHeight - 3;
        let content: React.ReactNode;
        if (panel === 'containers') {
          if (c.list.status === 'failed' && c.rows.length === 0) content = <Text color="red" wrap="wrap">Could not list containers: {c.list.error}</Text>;
          else if (c.rows.length === 0) content = <Text wrap="wrap">{c.list.status === 'ready' ? noContainersText : 'Loading containers…'}</Text>;
          else content = <TableLines header={containerTable[0]} lines={c.visible.map((r) => containerTable[r + 1])} highlighted={c.visible.indexOf(c.selected)} focused={focused} height={body - 1} />;
        } else if (panel === 'images') {
          if (i.list.status === 'failed' && i.rows.length === 0) content = <Text color="red" wrap="wrap">Could not list images: {i.list.error}</Text>;
          else if (i.rows.length === 0) content = <Text wrap="wrap">{i.list.status === 'ready' ? emptyStateText : 'Loading images…'}</Text>;
          else content = <TableLines header={imageTable[0]} lines={i.visible.map((r) => imageTable[r + 1])} highlighted={i.visible.indexOf(i.selected)} focused={focused} height={body - 1} />;
        } else if (panel === 'volumes') {
          const v = state.volumes;
          if (v.status === 'failed') content = <Text color="red" wrap="wrap">{v.error}</Text>;
          else if (v.status !== 'ready') content = <Text color="gray">Loading volumes…</Text>;
          else if (v.value.length === 0) content = <Text wrap="wrap">{noVolumesText}</Text>;
          else {
            const use = state.volumeUse;
            const table = formatTable([['DRIVER', 'VOLUME NAME', 'CONTAINERS'], ...v.value.map((x) => [x.Driver, x.Name, use[x.Name] ? String(use[x.Name].length) : ''])]);
            content = <TableLines header={table[0]} lines={table.slice(1)} highlighted={state.volumeSelected} focused={focused} height={body - 1} />;
          }
        } else {
          content = <Text color="gray" wrap="wrap">What images, containers, volumes and the build cache take on disk (right).</Text>;
        }
        return (
          <Panel key={panel} title={title} focused={focused} width={width} height={openHeight}>
            {content}
          </Panel>
        );
      })}
    </Box>
  );
}
