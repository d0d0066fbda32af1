// Test support: one plain HTTP request to a daemon's unix socket, as a client other than the docker CLI sends it.
import { request } from 'node:http';

export interface SocketResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

/** Sends `method path` with an optional body to the daemon listening on `socket`. */
export function socketRequest(
  socket: string,
  method: string,
  path: string,
  options: { body?: Uint8Array | string; contentType?: string; timeoutMs?: number } = {},
): Promise<SocketResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { Host: 'api.moby.localhost' };
    if (options.contentType) headers['Content-Type'] = options.contentType;
    if (options.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(options.body));
    const req = request({ socketPath: socket, method, path, headers, timeout: options.timeoutMs ?? 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        let json: unknown;
        try {
          json = JSON.parse(body.toString('utf8'));
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer in time`)));
    req.on('error', reject);
    req.end(options.body);
  });
}
