import { Agent as HttpAgent, type IncomingHttpHeaders, type IncomingMessage, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeWebStream } from 'node:stream/web';
import { StrataError } from '@strata/core';
import type { Endpoint } from './transport-rules.js';

/** One HTTP request to a registry. */
export interface HttpCall {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers?: Record<string, string | string[]>;
  /** Bytes, or a stream whose length the caller gives as Content-Length (uploads). */
  body?: Uint8Array | ReadableStream<Uint8Array>;
  signal?: AbortSignal;
}

/** A reply whose body is still on the wire (read it, or `discard` it). */
export interface HttpReply {
  status: number;
  headers: IncomingHttpHeaders;
  body: IncomingMessage;
  url: string;
}

const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 32 });
const httpsAgents = new Map<string, HttpsAgent>();

function httpsAgentFor(tls: Endpoint['tls']): HttpsAgent {
  const key = tls ? `${tls.ca?.toString('base64') ?? ''}|${tls.cert?.toString('base64') ?? ''}` : '';
  let agent = httpsAgents.get(key);
  if (!agent) {
    agent = new HttpsAgent({ keepAlive: true, maxSockets: 32, ca: tls?.ca, cert: tls?.cert, key: tls?.key });
    httpsAgents.set(key, agent);
  }
  return agent;
}

/** Go's `url.Error` operation name: `Get`, `Head`, `Put`... */
const goOp = (method: string) => method[0] + method.slice(1).toLowerCase();

/** A transport failure worded as the Go client (and so dockerd) words it. */
export function transportError(call: Pick<HttpCall, 'method' | 'url'>, cause: unknown): StrataError {
  const e = cause as NodeJS.ErrnoException & { address?: string; port?: number };
  const url = new URL(call.url);
  const hostPort = `${url.hostname}:${url.port || (url.protocol === 'https:' ? 443 : 80)}`;
  let detail: string;
  if (e.code === 'ECONNREFUSED') detail = `dial tcp ${hostPort}: connect: connection refused`;
  else if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') detail = `dial tcp: lookup ${url.hostname}: no such host`;
  else if (e.code === 'ECONNRESET') detail = 'read: connection reset by peer';
  else if (e.code === 'EPROTO' || /wrong version number|EPROTO/.test(e.message ?? '')) detail = 'http: server gave HTTP response to HTTPS client';
  else if (/certificate|self.signed|UNABLE_TO_VERIFY/i.test(`${e.code ?? ''} ${e.message ?? ''}`)) detail = `tls: failed to verify certificate: x509: certificate signed by unknown authority`;
  else detail = e.message ?? String(cause);
  return new StrataError('internal', `${goOp(call.method)} "${call.url}": ${detail}`, { cause });
}

/** Send one request and resolve once the status line and headers are in. */
export function send(endpoint: Pick<Endpoint, 'tls'>, call: HttpCall): Promise<HttpReply> {
  const url = new URL(call.url);
  const isHttps = url.protocol === 'https:';
  const headers: Record<string, string | string[]> = { 'User-Agent': 'strata/0.1 (registry client)', ...call.headers };
  if (call.body instanceof Uint8Array) headers['Content-Length'] = String(call.body.byteLength);
  else if (!call.body && (call.method === 'PUT' || call.method === 'POST' || call.method === 'PATCH')) headers['Content-Length'] = '0';
  return new Promise<HttpReply>((resolve, reject) => {
    if (call.signal?.aborted) return reject(call.signal.reason ?? new Error('aborted'));
    const req = (isHttps ? httpsRequest : httpRequest)(
      url,
      { method: call.method, headers, agent: isHttps ? httpsAgentFor(endpoint.tls) : httpAgent, signal: call.signal },
      (res) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res, url: call.url }),
    );
    req.on('error', (err) => reject(call.signal?.aborted ? (call.signal.reason ?? err) : transportError(call, err)));
    if (call.body && !(call.body instanceof Uint8Array)) {
      const source = Readable.fromWeb(call.body as unknown as NodeWebStream<Uint8Array>);
      source.on('error', (err) => req.destroy(err));
      source.pipe(req);
    } else req.end(call.body ? Buffer.from(call.body.buffer, call.body.byteOffset, call.body.byteLength) : undefined);
  });
}

/** The whole body, refusing more than `limit` bytes (manifests, tokens, error documents). */
export async function readBody(reply: HttpReply, limit: number, what: string): Promise<Uint8Array> {
  const declared = Number(reply.headers['content-length'] ?? NaN);
  if (declared > limit) {
    reply.body.destroy();
    throw new StrataError('invalid', `${what} too large: ${declared} bytes (limit ${limit})`);
  }
  const parts: Buffer[] = [];
  let n = 0;
  for await (const chunk of reply.body as AsyncIterable<Buffer>) {
    n += chunk.byteLength;
    if (n > limit) {
      reply.body.destroy();
      throw new StrataError('invalid', `${what} too large: more than ${limit} bytes`);
    }
    parts.push(chunk);
  }
  const all = Buffer.concat(parts, n);
  return new Uint8Array(all.buffer, all.byteOffset, all.byteLength);
}

/** Drop a body we do not need, so the connection can be reused. */
export function discard(reply: HttpReply): void {
  reply.body.resume();
}
