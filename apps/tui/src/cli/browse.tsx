import React from 'react';
import { render } from 'ink';
import { Workbench } from '../model/index.js';
import { TerminalApp } from '../ui/TerminalApp.js';
import { enterFullScreen } from './full-screen.js';
import { readKeyConfig } from './key-config-file.js';
import { openLoadSource } from './load-command.js';
import { nodeHostFiles } from './host-files.js';
import { openEngineSource, type EngineChoice, type EngineSource } from './engine-source.js';
import { fail } from './open-or-explain.js';

/** `strata` without a command: the full-screen app on the embedded engine or as a client. Returns the exit status. */
export async function browse(choice: EngineChoice): Promise<number> {
  if (!process.stdout.isTTY || !process.stdin.isTTY) {
    return fail('the full-screen app needs a terminal (stdin and stdout must be a TTY)');
  }
  let embedded: EngineSource;
  try {
    embedded = await openEngineSource(choice);
  } catch (e) {
    return fail((e as Error).message);
  }
  const keys = await readKeyConfig();
  const notices = [...keys.problems, ...(embedded.containersDisabled ? [`containers cannot run here: ${embedded.containersDisabled}`] : [])];
  const workbench = new Workbench(embedded.engine, {
    keymap: keys.keymap,
    notices,
    info: embedded.description,
    openArchive: (path) => openLoadSource({ input: path, stdin: process.stdin }),
    hostFiles: nodeHostFiles(process.stdin),
  });
  const restoreScreen = enterFullScreen(process.stdout);
  const app = render(<TerminalApp workbench={workbench} />, { exitOnCtrlC: false, patchConsole: true });
  let finishing: Promise<void> | undefined;
  let signalStatus: number | undefined;
  // Every way out restores the terminal and releases the data root lock, once; later callers wait for it.
  const finish = (): Promise<void> => {
    finishing ??= (async () => {
      workbench.close();
      app.unmount();
      restoreScreen();
      await embedded.close();
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
  process.on('exit', restoreScreen);
  try {
    void workbench.start();
    await app.waitUntilExit();
  } finally {
    await finish();
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
    process.off('SIGHUP', onHup);
  }
  return signalStatus ?? 0;
}
