import React from 'react';
import { resolve } from 'node:path';
import { render } from 'ink';
import { defaultDataRoot } from '@strata/storage/read-only';
import { Workbench } from '../model/index.js';
import type { TuiEngine } from '../model/tui-engine.js';
import { TerminalApp } from '../ui/TerminalApp.js';
import { deferredEngine } from './deferred-engine.js';
import type { EngineChoice, EngineSource } from './engine-source.js';
import { fail } from './exit-message.js';
import type { LoadSource } from './load-command.js';
import { enterFullScreen } from './full-screen.js';
import { nodeHostFiles } from './host-files.js';
import { readKeyConfig } from './key-config-file.js';
import { saveTextFile } from './save-text-file.js';
import { readStoreIndex, type StoreIndex } from './store-index.js';
import { terminalClipboard } from './terminal-clipboard.js';
import { runTerminalSession } from './terminal-handover.js';

/** How long the first frame waits for the lists before it is drawn without them (ms). */
const FIRST_FRAME_WAIT_MS = 400;

/**
 * What the app gets from the command that starts it rather than importing it: the app is a bundle of its own,
 * evaluated as a script with a code cache (cli/code-cached-module.ts), and the engine stays a module of its own.
 */
export interface BrowseModules {
  /** Opens the engine: its code (core, storage, registry, runtime: half the app's) loads here, after the first frame. */
  openEngineSource(choice: EngineChoice): Promise<EngineSource>;
  /** Opens an archive the user asked to load. */
  openLoadSource(source: LoadSource): Promise<ReadableStream<Uint8Array>>;
  /** Called once the first frame is on the screen. */
  afterFirstFrame?(): void;
}

const noticesOf = (source: EngineSource): string[] => (source.containersDisabled ? [`containers cannot run here: ${source.containersDisabled}`] : []);

/**
 * `strata` without a command: the full-screen app on the embedded engine or as a client. Returns the exit status.
 * On the embedded engine the first frame comes from the store's index files (cli/store-index.ts) before the
 * engine's code is even loaded; the engine loads right after it and its lists replace the index's (the same rows).
 */
export async function browse(choice: EngineChoice, modules: BrowseModules): Promise<number> {
  const openSource = modules.openEngineSource;
  if (!process.stdout.isTTY || !process.stdin.isTTY) {
    return fail('the full-screen app needs a terminal (stdin and stdout must be a TTY)');
  }
  const embeddedChoice = choice.host === undefined && (choice.dataRoot !== undefined || !choice.dockerHostEnv);
  const [keys, index] = await Promise.all([readKeyConfig(), embeddedChoice ? readStoreIndex(resolve(choice.dataRoot ?? defaultDataRoot())) : undefined]);
  let source: EngineSource | undefined;
  let engineFailure: string | undefined;
  let engine: TuiEngine;
  let engineReady: ((engine: TuiEngine) => void) | undefined;
  let engineFailed: ((e: unknown) => void) | undefined;
  if (index) {
    engine = deferredEngine(
      new Promise<TuiEngine>((resolveEngine, rejectEngine) => {
        engineReady = resolveEngine;
        engineFailed = rejectEngine;
      }),
    );
  } else {
    try {
      source = await openSource(choice);
    } catch (e) {
      return fail((e as Error).message);
    }
    engine = source.engine;
  }
  const workbench = new Workbench(engine, {
    keymap: keys.keymap,
    notices: [...keys.problems, ...(source ? noticesOf(source) : [])],
    ...(source ? { info: source.description } : {}),
    openArchive: (path) => modules.openLoadSource({ input: path, stdin: process.stdin }),
    saveText: saveTextFile,
    hostFiles: nodeHostFiles(process.stdin),
    copyToClipboard: terminalClipboard(process.stdout),
  });
  if (index) {
    workbench.showIndex(index);
    void workbench.start().catch(() => undefined);
  } else {
    // The lists load before the first frame is drawn, up to a bound: every frame Ink draws costs a full
    // layout and diff of the screen, and a "loading" frame replaced a moment later only delays the full one.
    const firstLists = workbench.start();
    await Promise.race([firstLists.catch(() => undefined), new Promise((r) => setTimeout(r, FIRST_FRAME_WAIT_MS))]);
  }
  let restoreScreen = enterFullScreen(process.stdout);
  const draw = () => render(<TerminalApp workbench={workbench} />, { exitOnCtrlC: false, patchConsole: true });
  let app = draw();
  modules.afterFirstFrame?.();
  if (index) {
    // The first frame is on the screen (Ink draws it within render): now the engine loads.
    setImmediate(() => {
      openSource(choice).then(
        (opened) => {
          // Quit before the engine was there: let it go at once.
          if (finishing) return void opened.close();
          source = opened;
          engineReady?.(opened.engine);
          workbench.announce({ info: opened.description, notices: noticesOf(opened) });
        },
        (e: unknown) => {
          engineFailure = (e as Error).message;
          engineFailed?.(e);
          app.unmount();
        },
      );
    });
  }
  let finishing: Promise<void> | undefined;
  let signalStatus: number | undefined;
  // Every way out restores the terminal and releases the data root lock, once; later callers wait for it.
  const finish = (): Promise<void> => {
    finishing ??= (async () => {
      workbench.close();
      app.unmount();
      restoreScreen();
      await source?.close();
    })();
    return finishing;
  };
  // Exit status 128 + signal number, as shells report a process ended by it.
  const exitOn = (status: number) => () => {
    signalStatus = status;
    void finish().finally(() => process.exit(status));
  };
  const onInt = exitOn(130);
  const onTerm = exitOn(143);
  const onHup = exitOn(129);
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  process.on('SIGHUP', onHup);
  const restoreOnExit = () => restoreScreen();
  process.on('exit', restoreOnExit);
  try {
    await app.waitUntilExit();
    // A shell or attach: the app's screen is left to it, then drawn again.
    for (let session = workbench.state.handover; session && !workbench.state.quit; session = workbench.state.handover) {
      restoreScreen();
      const outcome = await runTerminalSession(engine, session, { stdin: process.stdin, stdout: process.stdout });
      workbench.endHandover(outcome);
      restoreScreen = enterFullScreen(process.stdout);
      app = draw();
      await app.waitUntilExit();
    }
  } finally {
    await finish();
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
    process.off('SIGHUP', onHup);
    process.off('exit', restoreOnExit);
  }
  if (engineFailure !== undefined) return fail(engineFailure);
  return signalStatus ?? 0;
}
