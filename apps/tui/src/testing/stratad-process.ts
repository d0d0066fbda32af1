// Test-only: a real stratad (apps/server/dist/stratad.js, built by `pnpm build`) as a child
// process on its own temp data root, listening on a socket in it by default (so the data root's
// lock records that socket, as it does for users).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built daemon. */
export const stratadBin = join(dirname(fileURLToPath(import.meta.url)), '../../../server/dist/stratad.js');

export interface Stratad {
  pid: number;
  dir: string;
  dataRoot: string;
  socket: string;
  /** SIGTERM, SIGKILL after 10 s, then the temp dir removed. Idempotent. */
  dispose(): Promise<void>;
}

/** Why stratad cannot be started by a test here, or undefined. */
export function stratadUnavailable(): string | undefined {
  return existsSync(stratadBin) ? undefined : `${stratadBin} is not built (pnpm build)`;
}

/** Starts stratad on a fresh data root and waits until it listens. */
export async function startStratad(): Promise<Stratad> {
  const dir = await mkdtemp(join(tmpdir(), 'strata-tui-stratad-'));
  const dataRoot = join(dir, 'root');
  const child = spawn(process.execPath, [stratadBin, '--data-root', dataRoot], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, STRATA_DATA_ROOT: '' } });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let disposing: Promise<void> | undefined;
  const dispose = () =>
    (disposing ??= (async () => {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        process.kill(child.pid, 'SIGTERM');
        const timer = setTimeout(() => child.exitCode === null && child.pid !== undefined && process.kill(child.pid, 'SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    })());
  let out = '';
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`stratad did not start in 30 s:\n${out}`)), 30_000);
      const onData = (b: Buffer) => {
        out += b.toString();
        if (out.includes('stratad listening on')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`stratad exited before listening:\n${out}`));
      });
    });
  } catch (e) {
    await dispose();
    throw e;
  }
  const socket = /stratad listening on unix:\/\/(\S+)/.exec(out)?.[1] ?? join(dataRoot, 'stratad.sock');
  return { pid: child.pid!, dir, dataRoot, socket, dispose };
}
