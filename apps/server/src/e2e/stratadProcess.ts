// Test support: a real `stratad` (dist/stratad.js) as a child process on a temp data root and socket.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { removeBridgeNetwork } from '@strata/runtime';
import { runDocker, type DockerResult } from '../dockerCli.js';

/** The built daemon the end-to-end tests start (`pnpm build` makes it). */
export const stratadBin = join(dirname(fileURLToPath(import.meta.url)), '../../dist/stratad.js');

export interface StratadProcess {
  pid: number;
  /** Temp dir holding the data root, socket, pidfile and docker config. */
  dir: string;
  dataRoot: string;
  socket: string;
  pidfile: string;
  /** `unix://` address for DOCKER_HOST. */
  host: string;
  /** What the daemon printed so far (stdout then stderr). */
  output(): string;
  /** Runs the real docker CLI against this daemon. */
  docker(args: string[], options?: { input?: Uint8Array | string; timeoutMs?: number; env?: Record<string, string> }): Promise<DockerResult>;
  /** SIGTERM, then SIGKILL after 10 s; resolves with the exit code and signal. Idempotent. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** stop() and remove the temp dir. */
  dispose(): Promise<void>;
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
}

/** Starts stratad with `extraArgs` and waits for its `stratad listening on` line. */
export async function startStratad(extraArgs: string[] = [], existingDir?: string, env: Record<string, string> = {}): Promise<StratadProcess> {
  if (!existsSync(stratadBin)) throw new Error(`${stratadBin} is missing: run pnpm build first`);
  const dir = existingDir ?? (await mkdtemp(join(tmpdir(), 'stratad-e2e-')));
  const dataRoot = join(dir, 'root');
  const socket = join(dir, 'stratad.sock');
  const pidfile = join(dir, 'stratad.pid');
  const child = spawn(process.execPath, [stratadBin, '--data-root', dataRoot, '-H', `unix://${socket}`, '--pidfile', pidfile, ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, STRATA_DATA_ROOT: '', ...env },
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const exit = exited(child);

  let stopping: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        process.kill(child.pid, 'SIGTERM');
        const timer = setTimeout(() => child.pid !== undefined && child.exitCode === null && process.kill(child.pid, 'SIGKILL'), 10_000);
        const result = await exit;
        clearTimeout(timer);
        return result;
      }
      return exit;
    })());
  const dispose = async () => {
    await stop();
    // The bridge namespace of this data root and any container namespaces a failed test left.
    await removeBridgeNetwork(dataRoot).catch(() => undefined);
    if (!existingDir) await rm(dir, { recursive: true, force: true });
  };

  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`stratad did not start in 20 s:\n${out}${err}`)), 20_000);
      const check = () => {
        if (out.includes('stratad listening on')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on('data', check);
      void exit.then(({ code }) => {
        clearTimeout(timer);
        reject(new Error(`stratad exited with ${code} before listening:\n${out}${err}`));
      });
    });
  } catch (e) {
    await dispose();
    throw e;
  }

  const host = `unix://${socket}`;
  const configDir = join(dir, 'docker-config');
  return {
    pid: child.pid!,
    dir,
    dataRoot,
    socket,
    pidfile,
    host,
    output: () => out + err,
    docker: (args, options) => runDocker(host, configDir, args, options),
    stop,
    dispose,
  };
}
