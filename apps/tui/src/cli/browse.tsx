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
import { saveTextFile } from './save-text-file.js';
import { runTerminalSession } from './terminal-handover.js';

/** How long the first frame waits for the lists before it is drawn without them (ms). */
const FIRST_FRAME_WAIT_MS = 400;

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
    saveText: saveTextFile,
    hostFiles: nodeHostFiles(process.stdin),
  });
  // The lists load before the first frame is drawn, up to a bound: every frame Ink draws costs a full
  // layout and diff of the screen, and a "loading" frame replaced a moment later only delays the full one.
  const firstLists = workbench.start();
  await Promise.race([firstLists.catch(() => undefined), new Promise((r) => setTimeout(r, FIRST_FRAME_WAIT_MS))]);
  let restoreScreen = enterFullScreen(process.stdout);
  const draw = () => render(<TerminalApp workbench={workbench} />, { exitOnCtrlC: false, patchConsole: true });
  let app = draw();
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
  const restoreOnExit = () => restoreScreen();
  process.on('exit', restoreOnExit);
  try {
    await app.waitUntilExit();
    // A shell or attach: the app's screen is left to it, then drawn again.
    for (let session = workbench.state.handover; session && !workbench.state.quit; session = workbench.state.handover) {
      restoreScreen();
      const outcome = await runTerminalSession(embedded.engine, session, { stdin: process.stdin, stdout: process.stdout });
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
  return signalStatus ?? 0;
}
