import { request, type IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { StrataError, type ErrorKind } from '@strata/core';
import type { DockerHost } from './docker-host.js';

/** The API version the client speaks (what stratad and dockerd 20.10 answer). */
export const clientApiVersion = '1.41';

export interface ApiRequest {
  method?: string;
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** A JSON body, or a byte stream sent as it comes (chunked). */
  json?: unknown;
  stream?: ReadableStream<Uint8Array>;
  contentType?: string;
  signal?: AbortSignal;
  /** Send the path as it is, without the `/v1.41` prefix (strata's own `/_strata` routes). */
  unversioned?: boolean;
}

const kinds: Record<number, ErrorKind> = { 304: 'not-modified', 400: 'invalid', 401: 'unauthorized', 403: 'forbidden', 404: 'not-found', 409: 'conflict', 501: 'unavailable', 503: 'unavailable' };

/** The engine's error as the server sent it: its status as a kind, its `message` as the message. */
export async function errorOf(response: IncomingMessage): Promise<StrataError> {
  const status = response.statusCode ?? 500;
  let text = '';
  for await (const chunk of response) text += (chunk as Buffer).toString('utf8');
  let message = text.trim();
  try {
    const body = JSON.parse(text) as { message?: string };
    if (typeof body.message === 'string') message = body.message;
  } catch {
    // not JSON: keep the text
  }
  return new StrataError(kinds[status] ?? 'internal', message || `the engine answered ${status}`);
}

/**
 * Sends one request to the Docker Engine API over the socket and resolves with the response
 * once its head arrives, so streaming answers (events, logs, load progress) can be read as they come.
 * Answers of 300 and above are turned into a StrataError with the server's message.
 */
export function send(host: DockerHost, req: ApiRequest): Promise<IncomingMessage> {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) query.set(k, typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
  const qs = query.toString();
  const path = `${req.unversioned ? '' : `/v${clientApiVersion}`}${req.path}${qs ? `?${qs}` : ''}`;
  const body = req.json !== undefined ? Buffer.from(JSON.stringify(req.json)) : undefined;
  const headers: Record<string, string> = { Host: 'docker' };
  if (body) {
    headers['Content-Type'] = 'application/json';
    headers['Content-Length'] = String(body.length);
  } else if (req.stream) headers['Content-Type'] = req.contentType ?? 'application/x-tar';
  return new Promise((resolve, reject) => {
    const r = request(
      { ...(host.kind === 'unix' ? { socketPath: host.path } : { host: host.host, port: host.port }), method: req.method ?? 'GET', path, headers, signal: req.signal },
      (response) => {
        // A stream cut by the signal (logs, events) errors after its reader left; readers see errors through iteration.
        response.on('error', () => undefined);
        if ((response.statusCode ?? 500) >= 300) errorOf(response).then(reject, reject);
        else resolve(response);
      },
    );
    r.on('error', (e: NodeJS.ErrnoException) => {
      if (e.name === 'AbortError') return reject(e);
      const where = host.kind === 'unix' ? `unix://${host.path}` : `tcp://${host.host}:${host.port}`;
      reject(new StrataError('unavailable', `Cannot connect to the Docker daemon at ${where}. Is the docker daemon running? (${e.code ?? e.message})`));
    });
    if (body) r.end(body);
    else if (req.stream) Readable.fromWeb(req.stream as import('node:stream/web').ReadableStream<Uint8Array>).pipe(r);
    else r.end();
  });
}

/** Reads a whole response body. */
export async function readAll(response: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Reads a whole response body as JSON. */
export async function readJson<T>(response: IncomingMessage): Promise<T> {
  return JSON.parse((await readAll(response)).toString('utf8')) as T;
}
