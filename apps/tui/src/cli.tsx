import React from 'react';
import { render } from 'ink';
import { parseArguments, usage } from './cli/arguments.js';
import { explainOpenFailure, openEmbeddedEngine, type EmbeddedEngine } from './cli/data-root-engine.js';
import { enterFullScreen } from './cli/full-screen.js';
import { LoadSourceError, openLoadSource, runLoad } from './cli/load-command.js';
import { ImageBrowser } from './model/index.js';
import { TerminalApp } from './ui/TerminalApp.js';
import packageJson from '../package.json';

function fail(message: string, status = 1): number {
  process.stderr.write(`strata: ${message}\n`);
  return status;
}

async function open(dataRoot: string | undefined): Promise<EmbeddedEngine | number> {
  try {
    return await openEmbeddedEngine(dataRoot);
  } catch (e) {
    return fail(explainOpenFailure(e, dataRoot));
  }
}

async function load(dataRoot: string | undefined, input: string | undefined): Promise<number> {
  let archive: ReadableStream<Uint8Array>;
  try {
    archive = await openLoadSource({ input, stdin: process.stdin });
  } catch (e) {
    if (e instanceof LoadSourceError) return fail(e.message);
    throw e;
  }
  const embedded = await open(dataRoot);
  if (typeof embedded === 'number') return embedded;
  try {
    await runLoad(embedded.engine, archive, (line) => process.stdout.write(`${line}\n`));
    return 0;
  } catch (e) {
    return fail(e instanceof Error ? e.message : String(e));
  } finally {
    await embedded.close();
  }
}

async function browse(dataRoot: string | undefined): Promise<number> {
  if (!process.stdout.isTTY || !process.stdin.isTTY) {
    return fail('the image browser needs a terminal (stdin and stdout must be a TTY)');
  }
  const embedded = await open(dataRoot);
  if (typeof embedded === 'number') return embedded;
  const restoreScreen = enterFullScreen(process.stdout);
  const browser = new ImageBrowser(embedded.engine);
  const app = render(<TerminalApp browser={browser} />, { exitOnCtrlC: false, patchConsole: true });
  let finishing: Promise<void> | undefined;
  let signalStatus: number | undefined;
  // Every way out restores the terminal and releases the data root lock, once; later callers wait for it.
  const finish = (): Promise<void> => {
    finishing ??= (async () => {
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
    void browser.refresh();
    await app.waitUntilExit();
  } finally {
    await finish();
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
    process.off('SIGHUP', onHup);
  }
  return signalStatus ?? 0;
}

async function main(argv: string[]): Promise<number> {
  const invocation = parseArguments(argv);
  switch (invocation.command) {
    case 'help':
      process.stdout.write(usage);
      return 0;
    case 'version':
      process.stdout.write(`strata version ${packageJson.version}\n`);
      return 0;
    case 'invalid':
      process.stderr.write(`strata: ${invocation.message}\nSee 'strata --help'.\n`);
      return 125;
    case 'load':
      return load(invocation.dataRoot, invocation.input);
    case 'app':
      return browse(invocation.dataRoot);
  }
}

main(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status;
    // Ink and open handles must not keep a finished command alive.
    setImmediate(() => process.exit(status));
  },
  (e: unknown) => {
    process.stderr.write(`strata: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
