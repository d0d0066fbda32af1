import React, { useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { Box, useApp, useInput } from 'ink';
import { formatTable } from '../format/index.js';
import { containerCells, containerColumns, historyTable, imageCells, imageColumns, type Workbench } from '../model/index.js';
import { ContainerDetails } from './ContainerDetails.js';
import { DetailsPanel } from './DetailsPanel.js';
import { DialogBox } from './DialogBox.js';
import { DiskUsageView } from './DiskUsageView.js';
import { HelpOverlay } from './HelpOverlay.js';
import { JobsView } from './JobsView.js';
import { KeyBar, keyBarWidth } from './KeyBar.js';
import { Panel } from './Panel.js';
import { SidePanels, noVolumesText } from './SidePanels.js';
import { StatusLine } from './StatusLine.js';
import { Text } from 'ink';

export interface AppProps {
  workbench: Workbench;
  columns: number;
  rows: number;
  /** Milliseconds since the epoch, for the CREATED columns. */
  now?: () => number;
  /** How often the relative times are redrawn; 0 turns it off. */
  tickMs?: number;
}

function useWorkbench(workbench: Workbench): number {
  return useSyncExternalStore(
    (listener) => workbench.subscribe(listener),
    () => workbench.version,
  );
}

/** The full-screen app: panels on the left, the selected item's tabs on the right, status line and key bar. */
export function App({ workbench, columns, rows, now = Date.now, tickMs = 30_000 }: AppProps): React.ReactElement {
  useWorkbench(workbench);
  const state = workbench.state;
  const containers = workbench.containers.state;
  const images = workbench.images.state;
  const { exit } = useApp();
  const [tick, setTick] = useState(0);

  useInput((input, key) => workbench.press({ input, ...key }));

  useEffect(() => {
    // A shell or attach takes the terminal: the app unmounts and is drawn again when it ends (browse.tsx).
    if (state.quit || state.handover) exit();
  }, [state.quit, state.handover, exit]);

  useEffect(() => {
    if (tickMs <= 0) return undefined;
    const timer = setInterval(() => setTick((t) => t + 1), tickMs);
    return () => clearInterval(timer);
  }, [tickMs]);

  const moment = useMemo(() => now(), [tick, containers.rows, images.rows, images.history]);
  const imageTable = useMemo(() => formatTable([imageColumns, ...images.rows.map((r) => imageCells(r, moment))]), [images.rows, moment]);
  const containerTable = useMemo(
    () => formatTable([containerColumns, ...containers.rows.map((r) => containerCells(r, moment))]),
    [containers.rows, moment],
  );

  const dialogHeight = state.dialog === undefined ? 0 : state.dialog.kind === 'text' ? 1 : state.dialog.kind === 'confirm' ? 3 : state.dialog.fields.length + 3;
  const bindings = state.help ? [] : workbench.visibleBindings();
  // The keys of the focused panel take a second line when one is not enough (Images has many).
  const keyBarHeight = keyBarWidth(bindings) > columns ? 2 : 1;
  const main = Math.max(8, rows - 1 - keyBarHeight - dialogHeight);
  const table = state.panel === 'containers' ? containerTable : state.panel === 'images' ? imageTable : [];
  // Volumes and Disk usage leave the room to their main panel (the volume's JSON, the df table).
  const widest = Math.max(state.panel === 'volumes' ? 46 : 30, ...table.map((l) => [...l].length)) + 2;
  const sideWidth = Math.min(widest, Math.floor(columns * 0.55));
  const mainWidth = columns - sideWidth;
  const history = useMemo(
    () => historyTable(images.history.status === 'ready' ? images.history.value : [], moment, mainWidth - 2),
    [images.history, moment, mainWidth],
  );
  const viewport = main - 3;
  useEffect(() => {
    workbench.setViewportHeight(viewport - (state.panel === 'containers' ? 1 : 0));
  }, [workbench, viewport, state.panel]);

  let mainPanel: React.ReactNode;
  if (state.jobsOpen) {
    mainPanel = <JobsView jobs={workbench.jobs.jobs} width={mainWidth} height={main} />;
  } else if (state.panel === 'containers') {
    mainPanel = <ContainerDetails state={containers} focused={state.focus === 'main'} width={mainWidth} height={main} />;
  } else if (state.panel === 'images') {
    mainPanel = <DetailsPanel state={images} historyTable={history} width={mainWidth} height={main} />;
  } else if (state.panel === 'disk') {
    mainPanel = <DiskUsageView disk={state.disk} selected={state.diskSelected} width={mainWidth} height={main} />;
  } else {
    const volume = state.volumes.status === 'ready' ? state.volumes.value[state.volumeSelected] : undefined;
    const users = state.volumeUsers;
    const containerName = (id: string): string => {
      const row = containers.rows.find((r) => r.id === id);
      return row ? `${row.name} (${id.slice(0, 12)})` : id.slice(0, 12);
    };
    mainPanel = (
      <Panel title={<Text bold>Volume{volume ? ` ${volume.Name}` : ''}</Text>} focused={false} width={mainWidth} height={main}>
        {volume ? (
          <Box flexDirection="column">
            <Text wrap="truncate-end" color="cyan">
              Used by: {users.status === 'ready' ? (users.value.length === 0 ? 'no container' : users.value.map((id) => containerName(id)).join(', ')) : users.status === 'failed' ? users.error : '…'}
            </Text>
            {JSON.stringify([volume], null, 4)
              .split('\n')
              .slice(0, main - 4)
              .map((line, i) => (
                <Text key={i} wrap="truncate-end">
                  {line}
                </Text>
              ))}
          </Box>
        ) : (
          <Text color="gray" wrap="wrap">
            {noVolumesText}
          </Text>
        )}
      </Panel>
    );
  }

  return (
    <Box flexDirection="column" width={columns} height={rows}>
      {state.help ? (
        <HelpOverlay bindings={workbench.keymap} height={main + dialogHeight} width={columns} scroll={state.helpScroll} />
      ) : (
        <>
          <Box flexDirection="row" height={main}>
            <SidePanels workbench={workbench} containerTable={containerTable} imageTable={imageTable} width={sideWidth} height={main} />
            {mainPanel}
          </Box>
          {state.dialog ? <DialogBox dialog={state.dialog} width={columns} /> : null}
        </>
      )}
      <StatusLine workbench={workbench} />
      <KeyBar bindings={bindings} width={columns} />
    </Box>
  );
}
