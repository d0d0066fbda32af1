import React, { useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { Box, useApp, useInput } from 'ink';
import { formatTable } from '../format/index.js';
import {
  actionFor,
  bindingsFor,
  historyTable,
  imageCells,
  imageColumns,
  keymap,
  type BrowserState,
  type ImageBrowser,
} from '../model/index.js';
import { DetailsPanel } from './DetailsPanel.js';
import { HelpOverlay } from './HelpOverlay.js';
import { ImagesPanel } from './ImagesPanel.js';
import { KeyBar } from './KeyBar.js';
import { StatusLine } from './StatusLine.js';

export interface AppProps {
  browser: ImageBrowser;
  columns: number;
  rows: number;
  /** Milliseconds since the epoch, for the CREATED columns. */
  now?: () => number;
  /** How often the relative times are redrawn; 0 turns it off. */
  tickMs?: number;
}

/** Terminals at least this wide show the panels side by side, narrower ones stacked. */
export const sideBySideColumns = 120;

function useBrowserState(browser: ImageBrowser): BrowserState {
  return useSyncExternalStore(
    (listener) => browser.subscribe(listener),
    () => browser.state,
  );
}

/** The full-screen image browser: Images panel, details panel, status line and key bar. */
export function App({ browser, columns, rows, now = Date.now, tickMs = 30_000 }: AppProps): React.ReactElement {
  const state = useBrowserState(browser);
  const { exit } = useApp();
  const [tick, setTick] = useState(0);

  useInput((input, key) => {
    if (state.help) {
      const action = actionFor({ input, ...key }, state.focus);
      if (action === 'quit') browser.perform('quit');
      else browser.dismissHelp();
      return;
    }
    const action = actionFor({ input, ...key }, state.focus);
    if (action) browser.perform(action);
  });

  useEffect(() => {
    if (state.quit) exit();
  }, [state.quit, exit]);

  useEffect(() => {
    if (tickMs <= 0) return undefined;
    const timer = setInterval(() => setTick((t) => t + 1), tickMs);
    return () => clearInterval(timer);
  }, [tickMs]);

  const moment = useMemo(() => now(), [tick, state.rows, state.history]);
  const imageTable = useMemo(
    () => formatTable([imageColumns, ...state.rows.map((r) => imageCells(r, moment))]),
    [state.rows, moment],
  );

  const main = Math.max(6, rows - 2);
  const wide = columns >= sideBySideColumns;
  const imagesWidth = wide ? Math.min(Math.max(...imageTable.map((l) => [...l].length)) + 2, Math.floor(columns / 2)) : columns;
  const detailsWidth = wide ? columns - imagesWidth : columns;
  const history = useMemo(
    () => historyTable(state.history.status === 'ready' ? state.history.value : [], moment, detailsWidth - 2),
    [state.history, moment, detailsWidth],
  );
  const imagesHeight = wide ? main : Math.max(5, Math.min(state.rows.length + 4, Math.floor(main * 0.4)));
  const detailsHeight = wide ? main : main - imagesHeight;
  const detailsViewport = detailsHeight - 3;

  useEffect(() => {
    browser.setViewportHeight(detailsViewport);
  }, [browser, detailsViewport]);

  return (
    <Box flexDirection="column" width={columns} height={rows}>
      {state.help ? (
        <HelpOverlay bindings={keymap} height={main} />
      ) : (
        <Box flexDirection={wide ? 'row' : 'column'} height={main}>
          <ImagesPanel state={state} table={imageTable} width={imagesWidth} height={imagesHeight} />
          <DetailsPanel state={state} historyTable={history} width={detailsWidth} height={detailsHeight} />
        </Box>
      )}
      <StatusLine state={state} />
      <KeyBar bindings={bindingsFor(state.focus)} />
    </Box>
  );
}
