// A misbehaving registry for tests: a loopback proxy that can cut or corrupt blob downloads.
import { type IncomingMessage, type Server, createServer, request } from 'node:http';

/**
 * What the proxy does to one blob GET: pass it, drop the connection after `cutAfter` bytes, flip
 * a byte, or send `stallAfter` bytes and then nothing more while keeping the connection open (a
 * download caught mid-way, for as long as the test likes).
 */
export type BlobTampering = 'pass' | 'corrupt' | { cutAfter: number } | { stallAfter: number };

export interface RegistryProxy {
  host: string;
  port: number;
  /** Every request seen: method, path and Range header. */
  requests: Array<{ method: string; path: string; range?: string }>;
  /** Resolves once a stalled download has sent its bytes (the next stall after the call). */
  nextStall(): Promise<string>;
  close(): Promise<void>;
}

function forward(upstreamPort: number, req: IncomingMessage, body: Buffer): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const headers = { ...req.headers, host: `127.0.0.1:${upstreamPort}` };
    const up = request({ host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (b: Buffer) => parts.push(b));
      res.on('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(parts) }));
      res.on('error', reject);
    });
    up.on('error', reject);
    up.end(body);
  });
}

/** A manifest the proxy answers with instead of the registry's (a hostile or broken registry). */
export interface ManifestReplacement {
  body: Uint8Array;
  contentType: string;
}

/**
 * Start a proxy on 127.0.0.1 in front of a registry on `upstreamPort`; `tamper` decides per blob
 * request, `manifest` may replace the answer to a manifest GET (by path).
 */
export async function startRegistryProxy(
  upstreamPort: number,
  tamper: (path: string, attempt: number) => BlobTampering,
  manifest: (path: string) => ManifestReplacement | undefined = () => undefined,
): Promise<RegistryProxy> {
  const requests: RegistryProxy['requests'] = [];
  const attempts = new Map<string, number>();
  let stalled: Array<(path: string) => void> = [];
  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (b: Buffer) => parts.push(b));
    req.on('end', () => {
      const path = req.url ?? '/';
      requests.push({ method: req.method ?? 'GET', path, range: req.headers.range });
      forward(upstreamPort, req, Buffer.concat(parts)).then(
        (up) => {
          const isBlob = req.method === 'GET' && /\/blobs\/sha256:/.test(path) && up.status < 300;
          const attempt = (attempts.get(path) ?? 0) + 1;
          attempts.set(path, attempt);
          const mode = isBlob ? tamper(path, attempt) : 'pass';
          const headers = { ...up.headers };
          delete headers['transfer-encoding'];
          const replaced = req.method === 'GET' && /\/manifests\//.test(path) ? manifest(path) : undefined;
          if (replaced) {
            res.writeHead(200, { 'content-type': replaced.contentType, 'content-length': String(replaced.body.byteLength) });
            res.end(replaced.body);
          } else if (mode === 'corrupt') {
            const body = Buffer.from(up.body);
            body[body.length >> 1] ^= 0xff;
            res.writeHead(up.status, { ...headers, 'content-length': String(body.length) });
            res.end(body);
          } else if (typeof mode === 'object' && 'stallAfter' in mode) {
            res.writeHead(up.status, { ...headers, 'content-length': String(up.body.length) });
            res.write(up.body.subarray(0, mode.stallAfter), () => {
              const waiting = stalled;
              stalled = [];
              for (const w of waiting) w(path);
            });
          } else if (mode !== 'pass') {
            res.writeHead(up.status, { ...headers, 'content-length': String(up.body.length) });
            res.write(up.body.subarray(0, mode.cutAfter), () => res.socket?.destroy());
          } else {
            res.writeHead(up.status, { ...headers, 'content-length': String(up.body.length) });
            res.end(up.body);
          }
        },
        () => {
          res.writeHead(502);
          res.end();
        },
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    host: `127.0.0.1:${port}`,
    port,
    requests,
    nextStall: () => new Promise<string>((r) => stalled.push(r)),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
