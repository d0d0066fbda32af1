import { chmod, mkdir, lstat, readFile, unlink, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { createServer, type RequestListener, type Server, type ServerOptions } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import type { ImageEngine } from '@strata/core';
import { createApp, daemonHeaders } from './app.js';
import { withFastLane, type FastLaneEngine } from './fastLane.js';
import { createHijackHandler } from './hijack.js';
import { isContainerEngine } from './routes/containers.js';
import { formatListenAddress, parseListenAddress, type ListenAddress } from './listenAddress.js';

export interface DaemonOptions {
  /** The data root (default: storage's defaultDataRoot()). */
  dataRoot?: string;
  /** `-H` values; default `unix://<data-root>/stratad.sock`. */
  hosts?: string[];
  pidfile?: string;
  debug?: boolean;
  /** Where request lines go with `debug` (default: stderr). */
  log?: (line: string) => void;
  /** An engine that is already open on `dataRoot`; the daemon then neither opens nor closes the data root. */
  engine?: ImageEngine;
  /** `--insecure-registry` and `--registry-mirror`: how the engine reaches registries. */
  registry?: { insecureRegistries?: string[]; registryMirrors?: string[] };
  /** `--ip`: where published ports listen when `-p` names no address (default 127.0.0.1). */
  ip?: string;
  /** `--bridge none`: no default bridge network, as dockerd with `-b none`. */
  bridge?: 'none';
}

/** A running daemon started by {@link startDaemon}. */
export interface Daemon {
  dataRoot: string;
  /** Where it listens, in DOCKER_HOST form (`unix:///...`, `tcp://127.0.0.1:PORT`). */
  addresses: string[];
  /** Stops listening, removes the sockets and the pidfile and releases the data root; idempotent. */
  close(): Promise<void>;
}

/** The socket stratad listens on by default for a data root. */
export const defaultSocketPath = (dataRoot: string): string => join(dataRoot, 'stratad.sock');

const exists = async (path: string) => lstat(path).then(() => true, () => false);

/** True when something accepts connections on the unix socket at `path`. */
function socketAnswers(path: string): Promise<boolean> {
  return new Promise((done) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      done(true);
    });
    s.once('error', () => done(false));
  });
}

/** Removes a socket file left by a daemon that died; refuses when a daemon still answers on it. */
async function clearStaleSocket(path: string): Promise<void> {
  const st = await lstat(path).catch(() => undefined);
  if (!st) return;
  if (!st.isSocket()) throw new Error(`cannot listen on unix://${path}: a file that is not a socket is in the way`);
  if (await socketAnswers(path)) throw new Error(`cannot listen on unix://${path}: another daemon is listening there`);
  await unlink(path);
}

/** Writes the pidfile, refusing when it names a process that is still alive (as dockerd does). */
async function claimPidfile(path: string): Promise<void> {
  const previous = await readFile(path, 'utf8').catch(() => undefined);
  const pid = previous === undefined ? NaN : Number.parseInt(previous.trim(), 10);
  if (Number.isInteger(pid) && pid > 0 && pid !== process.pid) {
    let alive = true;
    try {
      process.kill(pid, 0);
    } catch (e) {
      alive = (e as NodeJS.ErrnoException).code === 'EPERM';
    }
    if (alive) throw new Error(`pid file found, ensure stratad is not running or delete ${path}`);
  }
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, String(process.pid));
}

function listen(server: Server, address: ListenAddress): Promise<void> {
  return new Promise((done, fail) => {
    const onError = (err: Error) => fail(new Error(`cannot listen on ${formatListenAddress(address)}: ${err.message}`));
    server.once('error', onError);
    const onListening = () => {
      server.off('error', onError);
      done();
    };
    if (address.kind === 'unix') server.listen(address.path, onListening);
    else server.listen(address.port, address.host, onListening);
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((done) => {
    server.close(() => done());
    // keep-alive connections and open /events streams would hold close() forever
    server.closeAllConnections();
  });
}

/**
 * Opens the data root, creates the engine and serves the Docker Engine API on every address
 * (unix sockets get mode 0600). Everything it set up is undone when a step fails.
 */
export async function startDaemon(options: DaemonOptions = {}): Promise<Daemon> {
  // Loaded only when needed, so a daemon over a given engine never touches storage.
  const dataRootEngine = () => import('./dataRootEngine.js');
  const dataRoot = resolve(options.dataRoot ?? (await dataRootEngine()).defaultStrataDataRoot());
  const hosts = options.hosts && options.hosts.length > 0 ? options.hosts : [`unix://${defaultSocketPath(dataRoot)}`];
  const addresses = hosts.map(parseListenAddress);
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));

  const undo: Array<() => Promise<void>> = [];
  const unwind = async () => {
    for (const step of undo.splice(0).reverse()) await step().catch(() => undefined);
  };
  try {
    if (options.pidfile) {
      const pidfile = resolve(options.pidfile);
      await claimPidfile(pidfile);
      undo.push(() => unlink(pidfile));
    }
    let engine = options.engine;
    let runtimes: Record<string, { path: string; version?: string }> | undefined;
    if (!engine) {
      const socket = addresses.find((a) => a.kind === 'unix');
      const opened = await (await dataRootEngine()).openDataRootEngine(dataRoot, socket?.kind === 'unix' ? socket.path : undefined, options.registry, { defaultHostIp: options.ip, ...(options.bridge ? { bridge: options.bridge } : {}) });
      engine = opened.engine;
      undo.push(() => opened.close());
      if (opened.runtime) runtimes = { [opened.runtime.name]: { path: opened.runtime.path, version: opened.runtime.version } };
      if (opened.containersDisabled !== undefined) log(`stratad: containers disabled: ${opened.containersDisabled}`);
    }
    // As dockerd restores its containers before it serves: a client never sees a half-reconciled store.
    await (engine as { ready?: Promise<void> }).ready?.catch(() => undefined);
    const app = createApp(engine, { dataRoot, debug: options.debug, onRequest: options.debug ? log : undefined, runtimes });
    // attach (and later exec start) take over the connection: node hands them to 'upgrade', not to Hono
    const hijack = createHijackHandler(isContainerEngine(engine) ? engine : undefined, { onRequest: options.debug ? log : undefined });

    for (const address of addresses) {
      const server = createAdaptorServer({
        fetch: app.fetch,
        // load and import bodies are whole images: no 5-minute cap on receiving a request
        serverOptions: { requestTimeout: 0 },
        // pings and `ps` listings go by the fast lane, the rest to Hono
        createServer: ((serverOptions: ServerOptions, listener: RequestListener) =>
          createServer(serverOptions, withFastLane(listener, engine as FastLaneEngine, daemonHeaders, options.debug ? log : undefined))) as typeof createServer,
      }) as Server;
      server.on('upgrade', hijack);
      if (address.kind === 'unix') {
        await mkdir(dirname(address.path), { recursive: true });
        await clearStaleSocket(address.path);
      }
      await listen(server, address);
      const bound = server.address();
      if (address.kind === 'tcp' && bound !== null && typeof bound === 'object') address.port = bound.port;
      if (address.kind === 'unix') {
        const path = address.path;
        undo.push(async () => {
          if (await exists(path)) await unlink(path);
        });
      }
      undo.push(() => closeServer(server));
      if (address.kind === 'unix') await chmod(address.path, 0o600);
    }
    // Runs before the servers close (undo goes backwards): close() would wait for hijacked sockets forever.
    undo.push(async () => hijack.closeAll());
  } catch (err) {
    await unwind();
    throw err;
  }

  let closing: Promise<void> | undefined;
  return {
    dataRoot,
    addresses: addresses.map(formatListenAddress),
    close: () => (closing ??= unwind()),
  };
}
