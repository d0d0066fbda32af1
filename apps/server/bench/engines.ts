// The two engines under test, each on its own fresh loop-mounted ext4: a private real dockerd
// (the baseline) and stratad started from apps/server/dist.
import { removeBridgeNetwork } from '@strata/runtime';
import { spawn } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ping, startDockerd, terminate } from '../src/testing/dockerd.js';
import { createCeilingServer } from './ceilingServer.js';
import type { BenchArchive } from './workload.js';
import { mountLoopExt4 } from '../src/testing/loopfs.js';
import type { CleanupStack } from './cleanupStack.js';

/** The baseline, the engine under test, the do-nothing server that bounds both, and a server replaying a captured answer. */
export type EngineName = 'dockerd' | 'strata' | 'ceiling' | 'replay';

/** An engine that answers the Docker API on a unix socket. */
export interface BenchEngine {
  name: EngineName;
  /** `unix://` address for `docker -H`. */
  host: string;
  /** Extra environment for the docker CLI (a private DOCKER_CONFIG). */
  env: Record<string, string>;
  /** A folder on the engine's filesystem for `docker save -o` output. */
  scratch: string;
  /** The filesystem the engine's data lives on, as one phrase. */
  filesystem: string;
  /** PID of the daemon process (absent for the in-process ceiling server). */
  pid?: number;
  /** Stops the engine and removes its filesystem. */
  stop(): Promise<void>;
}

/** An engine that could not be started, and why. */
export interface EngineUnavailable {
  name: EngineName;
  unavailable: string;
}

const FS_MB = 2048;

interface FreshFs {
  dir: string;
  filesystem: string;
  release: () => Promise<void>;
}

/** A fresh loop ext4 when the machine allows one, else a temp dir (and the reason in its phrase). */
async function freshFs(cleanups: CleanupStack, label: string): Promise<FreshFs> {
  const loop = await mountLoopExt4(FS_MB);
  if (!('skip' in loop)) {
    return { dir: loop.dir, filesystem: `fresh ${FS_MB} MB loop ext4`, release: cleanups.push(`${label} loop ext4`, () => loop.unmount()) };
  }
  const dir = await mkdtemp(join(tmpdir(), `strata-bench-${label}-`));
  return { dir, filesystem: `${tmpdir()} (${loop.skip})`, release: cleanups.push(`${label} temp dir`, () => rm(dir, { recursive: true, force: true })) };
}

/** Starts the baseline: a private dockerd whose data root is on a fresh filesystem. */
export async function startBaselineDockerd(cleanups: CleanupStack, networkNamespace?: string): Promise<BenchEngine | EngineUnavailable> {
  const fs = await freshFs(cleanups, 'dockerd');
  const daemon = await startDockerd({ baseDir: fs.dir, ...(networkNamespace ? { networkNamespace } : {}) });
  if ('skip' in daemon) {
    await fs.release();
    return { name: 'dockerd', unavailable: daemon.skip };
  }
  const stopDaemon = cleanups.push('dockerd', () => daemon.stop());
  const scratch = join(fs.dir, 'scratch');
  await mkdir(scratch);
  return {
    name: 'dockerd',
    host: daemon.host,
    env: { DOCKER_CONFIG: daemon.env.DOCKER_CONFIG! },
    scratch,
    pid: daemon.pid,
    filesystem: `${daemon.storageDriver} on ${fs.filesystem}`,
    stop: async () => {
      await stopDaemon();
      await fs.release();
    },
  };
}

/** The @strata/server package folder (holding dist/stratad.js), found above this file. */
function serverDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === '@strata/server') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the @strata/server package above the benchmark');
    dir = parent;
  }
}

/**
 * Starts `node dist/stratad.js --data-root <dir> -H unix://<dir>/s.sock` on a fresh filesystem;
 * `extraArgs` are more stratad flags (`--bridge=none`, as the baseline dockerd runs).
 */
export async function startStratad(cleanups: CleanupStack, startTimeoutMs = 20_000, extraArgs: string[] = []): Promise<BenchEngine | EngineUnavailable> {
  const entry = join(serverDir(), 'dist/stratad.js');
  if (!existsSync(entry)) return { name: 'strata', unavailable: `${entry} missing (run pnpm build)` };
  const fs = await freshFs(cleanups, 'strata');
  const dataRoot = join(fs.dir, 'strata');
  const socket = join(dataRoot, 's.sock');
  const logFile = join(fs.dir, 'stratad.log');
  const cliConfig = join(fs.dir, 'cli');
  const scratch = join(fs.dir, 'scratch');
  await Promise.all([mkdir(dataRoot), mkdir(cliConfig), mkdir(scratch)]);

  const log = openSync(logFile, 'w');
  const child = spawn(process.execPath, [entry, '--data-root', dataRoot, '-H', `unix://${socket}`, ...extraArgs], { stdio: ['ignore', log, log] });
  closeSync(log);
  let exit: string | undefined;
  child.once('exit', (code, signal) => (exit = signal ? `killed by ${signal}` : `exited with code ${code}`));
  child.once('error', (err) => (exit = err.message));
  // Containers run on the bridge: its namespace belongs to this data root and goes after stratad.
  const removeBridge = cleanups.push('strata bridge namespace', () => removeBridgeNetwork(dataRoot).catch(() => undefined));
  const stopChild = cleanups.push('stratad', () => terminate(child, 10_000));
  const stop = async () => {
    await stopChild();
    await removeBridge();
    await fs.release();
  };

  const deadline = Date.now() + startTimeoutMs;
  while (exit === undefined && Date.now() < deadline) {
    if (existsSync(socket) && (await ping(socket))) {
      return { name: 'strata', host: `unix://${socket}`, env: { DOCKER_CONFIG: cliConfig }, scratch, pid: child.pid, filesystem: fs.filesystem, stop };
    }
    await sleep(100);
  }
  const tail = readFileSync(logFile, 'utf8').trim().split('\n').slice(-3).join(' | ');
  const why = exit ? `${exit} before answering /_ping` : `no answer on /_ping within ${startTimeoutMs / 1000} s`;
  await stop();
  return { name: 'strata', unavailable: tail ? `${why}: ${tail}` : why };
}

/**
 * Starts the ceiling server (see ceilingServer.ts) in this process, on a socket in a fresh
 * filesystem of its own where `save -o` writes, as for the engines.
 */
export async function startCeiling(cleanups: CleanupStack, big: BenchArchive, small: BenchArchive): Promise<BenchEngine | EngineUnavailable> {
  const fs = await freshFs(cleanups, 'ceiling');
  const socket = join(fs.dir, 'ceiling.sock');
  const cliConfig = join(fs.dir, 'cli');
  const scratch = join(fs.dir, 'scratch');
  await Promise.all([mkdir(cliConfig), mkdir(scratch)]);
  const server = createCeilingServer(big, small);
  const closeServer = cleanups.push('ceiling server', async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socket, () => resolve());
    });
  } catch (err) {
    await closeServer();
    await fs.release();
    return { name: 'ceiling', unavailable: `cannot listen on ${socket}: ${(err as Error).message}` };
  }
  const stop = async () => {
    await closeServer();
    await fs.release();
  };
  return { name: 'ceiling', host: `unix://${socket}`, env: { DOCKER_CONFIG: cliConfig }, scratch, filesystem: fs.filesystem, stop };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
