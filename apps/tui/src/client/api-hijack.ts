import { request, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { OutputRecord } from '@strata/core';
import { clientApiVersion, errorOf } from './api-transport.js';
import type { DockerHost } from './docker-host.js';
import { outputRecords } from './output-frames.js';

export interface HijackRequest {
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  json?: unknown;
}

/** An upgraded connection: the raw socket, plus what the server sent right after its 101. */
interface Hijacked {
  socket: Socket;
  head: Buffer;
}

/**
 * `POST` with `Connection: Upgrade` as the docker CLI sends attach and exec start: the server answers
 * 101 and the connection becomes the process's stdin (client to server) and output (server to client).
 * Answers other than 101 are the engine's errors.
 */
function upgrade(host: DockerHost, req: HijackRequest): Promise<Hijacked> {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) query.set(k, typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
  const qs = query.toString();
  const body = req.json === undefined ? undefined : Buffer.from(JSON.stringify(req.json));
  const headers: Record<string, string> = { Host: 'docker', Connection: 'Upgrade', Upgrade: 'tcp' };
  if (body) {
    headers['Content-Type'] = 'application/json';
    headers['Content-Length'] = String(body.length);
  }
  return new Promise((resolve, reject) => {
    const r = request({
      ...(host.kind === 'unix' ? { socketPath: host.path } : { host: host.host, port: host.port }),
      method: 'POST',
      path: `/v${clientApiVersion}${req.path}${qs ? `?${qs}` : ''}`,
      headers,
    });
    r.on('upgrade', (_res: IncomingMessage, socket: Socket, head: Buffer) => resolve({ socket, head }));
    r.on('response', (res: IncomingMessage) => errorOf(res).then(reject, reject));
    r.on('error', reject);
    r.end(body);
  });
}

async function* chunksOf(hijacked: Hijacked): AsyncIterable<Uint8Array> {
  if (hijacked.head.length > 0) yield new Uint8Array(hijacked.head);
  for await (const chunk of hijacked.socket) yield chunk as Buffer;
}

/**
 * A hijacked attach or exec: `stdin` is copied to the connection and half-closes it when it ends;
 * the records are the output (raw with a TTY, multiplexed frames without) until the server closes.
 */
export async function hijackedSession(
  host: DockerHost,
  req: HijackRequest,
  options: { tty: boolean; stdin?: ReadableStream<Uint8Array>; signal?: AbortSignal },
): Promise<{ tty: boolean; records: AsyncIterable<OutputRecord> }> {
  const hijacked = await upgrade(host, req);
  const { socket } = hijacked;
  socket.on('error', () => undefined);
  const onAbort = (): void => void socket.destroy();
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.stdin) {
    const reader = options.stdin.getReader();
    void (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done || socket.destroyed) break;
          if (!socket.write(value)) await new Promise((r) => socket.once('drain', r));
        }
        if (!socket.destroyed) socket.end();
      } catch {
        // The connection went away first: nothing left to send to.
      }
    })();
  }
  async function* records(): AsyncIterable<OutputRecord> {
    try {
      yield* outputRecords(chunksOf(hijacked), options.tty);
    } catch (e) {
      if (!options.signal?.aborted && !socket.destroyed) throw e;
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
    }
  }
  return { tty: options.tty, records: records() };
}
