import { Agent as HttpAgent, type IncomingHttpHeaders, type IncomingMessage, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import { rootCertificates } from 'node:tls';
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

function httpsAgentFor(tls: Endpoint['tls'], skipVerify: boolean): HttpsAgent {
  const key = `${skipVerify}|${tls ? `${tls.ca?.toString('base64') ?? ''}|${tls.cert?.toString('base64') ?? ''}` : ''}`;
  let agent = httpsAgents.get(key);
  if (!agent) {
    // A CA from certs.d is trusted in addition to the system's, as Go's SystemCertPool + AppendCertsFromPEM.
    const ca = tls?.ca ? [...rootCertificates, tls.ca.toString()] : undefined;
    agent = new HttpsAgent({ keepAlive: true, maxSockets: 32, ca, cert: tls?.cert, key: tls?.key, rejectUnauthorized: !skipVerify });
    httpsAgents.set(key, agent);
  }
  return agent;
}

/** Go's `url.Error` operation name: `Get`, `Head`, `Put`... */
const goOp = (method: string) => method[0] + method.slice(1).toLowerCase();

/** Errors raised before any HTTP reply came back (refused, reset, TLS), which may fall back to another endpoint. */
const transportFailures = new WeakSet<object>();

/** True when `e` came from the transport (no HTTP reply at all). */
export const isTransportError = (e: unknown): boolean => typeof e === 'object' && e !== null && transportFailures.has(e);

/** A transport failure worded as the Go client of dockerd 20.10 (Go 1.19) words it. */
export function transportError(call: Pick<HttpCall, 'method' | 'url'>, cause: unknown): StrataError {
  const e = cause as NodeJS.ErrnoException & { address?: string; port?: number };
  const url = new URL(call.url);
  const hostPort = `${url.hostname}:${url.port || (url.protocol === 'https:' ? 443 : 80)}`;
  let detail: string;
  if (e.code === 'ECONNREFUSED') detail = `dial tcp ${hostPort}: connect: connection refused`;
  else if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') detail = `dial tcp: lookup ${url.hostname}: no such host`;
  else if (e.code === 'ECONNRESET') detail = 'read: connection reset by peer';
  else if (e.code === 'EPROTO' || /wrong version number|EPROTO/.test(e.message ?? '')) detail = 'http: server gave HTTP response to HTTPS client';
  else if (e.code === 'ERR_TLS_CERT_ALTNAME_INVALID') detail = `x509: certificate is valid for ${altNames(e.message)}, not ${url.hostname.replace(/^\[|\]$/g, '')}`;
  else if (e.code === 'CERT_HAS_EXPIRED') detail = 'x509: certificate has expired or is not yet valid';
  else if (/certificate|self.signed|UNABLE_TO_VERIFY/i.test(`${e.code ?? ''} ${e.message ?? ''}`)) detail = 'x509: certificate signed by unknown authority';
  else detail = e.message ?? String(cause);
  const error = new StrataError('internal', `${goOp(call.method)} "${call.url}": ${detail}`, { cause });
  transportFailures.add(error);
  return error;
}

/** The names a certificate was valid for, from Node's altname message (`... is not in the cert's list: a, b`). */
function altNames(message: string | undefined): string {
  const list = /cert's (?:list|altnames):\s*(.*)$/.exec(message ?? '')?.[1] ?? '';
  return list.replace(/\b(?:DNS|IP Address):/g, '').trim() || 'other names';
}

/** Send one request and resolve once the status line and headers are in. */
export function send(endpoint: Pick<Endpoint, 'tls' | 'skipVerify'>, call: HttpCall): Promise<HttpReply> {
  const url = new URL(call.url);
  const isHttps = url.protocol === 'https:';
  const headers: Record<string, string | string[]> = { 'User-Agent': 'strata/0.1 (registry client)', ...call.headers };
  if (call.body instanceof Uint8Array) headers['Content-Length'] = String(call.body.byteLength);
  else if (!call.body && (call.method === 'PUT' || call.method === 'POST' || call.method === 'PATCH')) headers['Content-Length'] = '0';
  return new Promise<HttpReply>((resolve, reject) => {
    if (call.signal?.aborted) return reject(call.signal.reason ?? new Error('aborted'));
    const req = (isHttps ? httpsRequest : httpRequest)(
      url,
      { method: call.method, headers, agent: isHttps ? httpsAgentFor(endpoint.tls, endpoint.skipVerify === true) : httpAgent, signal: call.signal },
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
