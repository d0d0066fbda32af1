import type { IncomingMessage, ServerResponse } from 'node:http';
import { splitVersionedPath, unsupportedVersionMessage } from './apiVersion.js';
import { queryBoolean } from './queryBoolean.js';

/** What the fast lane needs of the engine: `GET /containers/json` as the engine's kept bytes. */
export interface FastLaneEngine {
  listContainersJson?(options: { all?: boolean }): Promise<Uint8Array>;
}

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * `next` with the two requests of every `docker ps` answered on Node's own request and response:
 * `HEAD|GET /_ping` and `GET /containers/json` with no query but `all`. Same status, headers and
 * bytes as the Hono routes give (a test holds them side by side); everything else, and any of
 * these the lane cannot answer (a version dockerd refuses, another query, an engine error), goes
 * on to `next`, which answers it as always.
 *
 * Why: the Fetch Request and Response Hono is built on cost a ping about 0.4 ms and a 1,000-row
 * listing about 1 ms more than the bytes do, and `docker ps -a` is the CLI's own time plus exactly those.
 */
export function withFastLane(
  next: Listener,
  engine: FastLaneEngine,
  daemonHeaders: ReadonlyArray<readonly [string, string]>,
  onRequest?: (line: string) => void,
): Listener {
  const base = Object.fromEntries(daemonHeaders);
  // dockerd's ping headers (docs/docker-api-wire.md §2.1)
  const ping = { ...base, 'Cache-Control': 'no-cache, no-store, must-revalidate', 'Content-Type': 'text/plain; charset=utf-8', Pragma: 'no-cache' };
  const list = engine.listContainersJson?.bind(engine);
  return (req, res) => {
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const { version, path } = splitVersionedPath(q < 0 ? url : url.slice(0, q));
    if (version !== undefined && unsupportedVersionMessage(version) !== undefined) return next(req, res);
    if (path === '/_ping' && (req.method === 'HEAD' || req.method === 'GET')) {
      const head = req.method === 'HEAD';
      res.writeHead(200, { ...ping, 'Content-Length': head ? '0' : '2' });
      res.end(head ? undefined : 'OK');
      onRequest?.(`${req.method} ${url} -> 200 (0 ms)`);
      return;
    }
    if (path === '/containers/json' && req.method === 'GET' && list) {
      const query = q < 0 ? undefined : new URLSearchParams(url.slice(q + 1));
      if (query) for (const key of query.keys()) if (key !== 'all') return next(req, res);
      const started = Date.now();
      list({ all: queryBoolean(query?.get('all') ?? undefined) }).then(
        (body) => {
          res.writeHead(200, { ...base, 'Content-Type': 'application/json', 'Content-Length': String(body.byteLength) });
          res.end(body);
          onRequest?.(`GET ${url} -> 200 (${Date.now() - started} ms)`);
        },
        () => next(req, res),
      );
      return;
    }
    next(req, res);
  };
}
