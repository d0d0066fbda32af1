import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ContainerEngine, ExecEngine, OutputRecord } from '@strata/core';
import { apiVersion, splitVersionedPath, unsupportedVersionMessage } from './apiVersion.js';
import { HttpError, statusOfError } from './errorResponse.js';
import { hijackedInput } from './hijackedInput.js';
import { frameRecord } from './outputFraming.js';
import { queryBoolean } from './queryBoolean.js';
import { serverHeader } from './strataVersion.js';

/** The 101 dockerd writes before a hijacked stream (§4.4); the CLI checks only the status. */
export const upgradeHead =
  'HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n';

/** A node `'upgrade'` listener that serves the hijacked endpoints, plus a way to end them all. */
export interface HijackHandler {
  (req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Destroys every hijacked connection still open (daemon shutdown); containers keep running. */
  closeAll(): void;
  /** Hijacked connections open now. */
  readonly open: number;
}

export interface HijackOptions {
  /** Receives one line per hijack request (the daemon's `--debug` log). */
  onRequest?: (line: string) => void;
}

/** A plain HTTP reply on a socket that never reached Hono (refused or failed before the upgrade). */
function writeHttpError(socket: Duplex, status: number, message: string): void {
  if (socket.destroyed || !socket.writable) return;
  const body = JSON.stringify({ message }) + '\n';
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
      `Api-Version: ${apiVersion}\r\nContent-Type: application/json\r\nDocker-Experimental: false\r\nOstype: linux\r\n` +
      `Server: ${serverHeader}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** Resolves once the socket can take more bytes (or is gone). */
function drained(socket: Duplex): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.once('drain', done);
    socket.once('close', done);
  });
}

const attachPath = /^\/containers\/(.+)\/attach$/;
const execStartPath = /^\/exec\/([^/]+)\/start$/;

/** dockerd's exec start 101 also carries the daemon headers (captured `exec`). */
const execUpgradeHead =
  'HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n' +
  `Api-Version: ${apiVersion}\r\nDocker-Experimental: false\r\nOstype: linux\r\nServer: ${serverHeader}\r\n\r\n`;

/**
 * Serves the hijacked endpoints (`Connection: Upgrade`): `POST /containers/{id}/attach` (the
 * docker CLI's `run`, `start -a`, `attach`) and `POST /exec/{id}/start`. After the 101 the
 * process's output flows (multiplexed unless it has a tty) until it exits or the client detaches,
 * then the server's FIN; the client's bytes after its request are the process's stdin, and its
 * FIN is the end of that input (§4.4). A client that goes away only detaches. Node sends every
 * Upgrade request here once a listener exists, so anything else gets dockerd's answers as plain HTTP.
 */
export function createHijackHandler(engine: (ContainerEngine & Partial<ExecEngine>) | undefined, options: HijackOptions = {}): HijackHandler {
  const sockets = new Set<Duplex>();

  const serve = async (req: IncomingMessage, socket: Duplex, head: Buffer, setStatus: (s: number) => void) => {
    const url = new URL(req.url ?? '/', 'http://stratad');
    const { version, path } = splitVersionedPath(url.pathname);
    const refusal = version === undefined ? undefined : unsupportedVersionMessage(version);
    if (refusal !== undefined) throw new HttpError(400, refusal);
    const attachMatch = req.method === 'POST' ? attachPath.exec(path) : null;
    const execMatch = req.method === 'POST' && engine?.startExec ? execStartPath.exec(path) : null;
    if ((!attachMatch && !execMatch) || !engine) throw new HttpError(404, 'page not found');

    const clientGone = new AbortController();
    socket.once('close', () => clientGone.abort());
    const input = hijackedInput(socket, head, Number(req.headers['content-length'] ?? 0) || 0);
    const q = url.searchParams;

    let attached: { tty: boolean; records: AsyncIterable<OutputRecord> };
    let upgrade = upgradeHead;
    if (attachMatch) {
      const wantStdin = queryBoolean(q.get('stdin') ?? undefined);
      if (!wantStdin) void input.stdin.cancel();
      attached = await engine.attachContainer(decodeURIComponent(attachMatch[1]), {
        stdout: queryBoolean(q.get('stdout') ?? undefined),
        stderr: queryBoolean(q.get('stderr') ?? undefined),
        logs: queryBoolean(q.get('logs') ?? undefined),
        signal: clientGone.signal,
        ...(wantStdin ? { stdin: input.stdin, detachKeys: q.get('detachKeys') ?? undefined } : {}),
      });
    } else {
      const body = await input.body.catch(() => new Uint8Array(0));
      let start: { Detach?: boolean; Tty?: boolean } = {};
      try {
        const text = new TextDecoder().decode(body).trim();
        if (text) start = JSON.parse(text) as typeof start;
      } catch (e) {
        throw new HttpError(400, (e as Error).message);
      }
      attached = await engine.startExec!(decodeURIComponent(execMatch![1]), {
        detach: start.Detach === true,
        tty: start.Tty === true,
        stdin: input.stdin,
        signal: clientGone.signal,
      });
      upgrade = execUpgradeHead;
    }
    setStatus(101);
    socket.write(upgrade);
    try {
      for await (const record of attached.records) {
        if (socket.destroyed) break;
        if (record.bytes.byteLength === 0) continue;
        if (!socket.write(frameRecord(record, { tty: attached.tty }))) await drained(socket);
      }
    } finally {
      // The process exited (or the client detached or left): our FIN tells the CLI to collect the exit code.
      if (!socket.destroyed) socket.end();
    }
  };

  const handler = ((req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const started = Date.now();
    let status = 0;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    // A client that resets the connection must not take the daemon down.
    socket.on('error', () => socket.destroy());
    const log = () => options.onRequest?.(`${req.method} ${req.url} -> ${status} (${Date.now() - started} ms)`);
    serve(req, socket, head, (s) => {
      status = s;
      log();
    }).catch((err: unknown) => {
      if (status === 101) {
        // Output already started: nothing but the stream's end can tell the client.
        if (!socket.destroyed) socket.end();
        return;
      }
      status = statusOfError(err);
      writeHttpError(socket, status, err instanceof Error ? err.message : String(err));
      log();
    });
  }) as HijackHandler;
  handler.closeAll = () => {
    for (const s of sockets) s.destroy();
    sockets.clear();
  };
  Object.defineProperty(handler, 'open', { get: () => sockets.size });
  return handler;
}
