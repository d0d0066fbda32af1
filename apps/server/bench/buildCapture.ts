// A server that answers the docker CLI's `docker build` (classic builder) by draining the context
// and building nothing: timing the CLI against it gives the CLI's own share of a build (walking
// and tarring the context, sending it), and the request it records (query, headers, body bytes)
// is replayed to the engines by apiBuild.ts, so both get exactly what the CLI would send.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

const API_VERSION = '1.41';

/** One POST /build as the CLI sent it. */
export interface CapturedBuild {
  /** Path and query, version prefix included (`/v1.41/build?t=...`). */
  path: string;
  headers: Record<string, string>;
  body: Uint8Array;
}

/** The drain server and the builds it has seen, newest last. */
export interface BuildCapture {
  server: Server;
  builds: CapturedBuild[];
}

function send(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Api-Version': API_VERSION, Ostype: 'linux', 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** A server (listen on a socket yourself) that records every POST /build and answers it as a build of nothing. */
export function createBuildCapture(): BuildCapture {
  const builds: CapturedBuild[] = [];
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://capture');
    const path = url.pathname.replace(/^\/v[0-9.]+/, '');
    if (path === '/_ping') {
      res.writeHead(200, { 'Api-Version': API_VERSION, Ostype: 'linux', 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': req.method === 'HEAD' ? 0 : 2 });
      res.end(req.method === 'HEAD' ? undefined : 'OK');
      return;
    }
    if (path === '/build' && req.method === 'POST') {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.once('end', () => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'content-length' && k !== 'transfer-encoding') headers[k] = v;
        builds.push({ path: req.url ?? '/build', headers, body: new Uint8Array(Buffer.concat(chunks)) });
        const id = 'sha256:' + '0'.repeat(64);
        const lines = [{ stream: 'Step 1/1 : FROM scratch\n' }, { aux: { ID: id } }, { stream: `Successfully built ${id.slice(7, 19)}\n` }];
        res.writeHead(200, { 'Api-Version': API_VERSION, Ostype: 'linux', 'Content-Type': 'application/json' });
        res.end(lines.map((l) => JSON.stringify(l)).join('\r\n') + '\r\n');
      });
      return;
    }
    send(res, 404, JSON.stringify({ message: `the capture server does not serve ${req.method} ${path}` }));
  };
  return { server: createServer({ requestTimeout: 0 }, handle), builds };
}
