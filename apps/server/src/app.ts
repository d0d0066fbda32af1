import type { ServerResponse } from 'node:http';
import { Hono } from 'hono';
import type { ImageEngine } from '@strata/core';
import { apiVersion, splitVersionedPath, unsupportedVersionMessage } from './apiVersion.js';
import { errorResponse, responseForError } from './errorResponse.js';
import { readHostFacts, type HostFacts } from './hostFacts.js';
import type { RouteContext } from './routeContext.js';
import { serverHeader } from './strataVersion.js';
import { containerRoutes, isContainerEngine } from './routes/containers.js';
import { containerFileRoutes } from './routes/container-files.js';
import { containerStatsRoutes } from './routes/container-stats.js';
import { execRoutes, isExecEngine } from './routes/exec.js';
import { imageRoutes } from './routes/images.js';
import { buildRoutes } from './routes/build.js';
import { distributionRoutes } from './routes/distribution.js';
import { insightRoutes } from './routes/insight.js';
import { isNetworkEngine, networkRoutes } from './routes/networks.js';
import { pluginRoutes } from './routes/plugins.js';
import { systemRoutes } from './routes/system.js';
import { isVolumeEngine, volumeRoutes } from './routes/volumes.js';

export interface AppOptions {
  /** The daemon's data root, reported as DockerRootDir. */
  dataRoot: string;
  /** Reported as Debug by `/info`. */
  debug?: boolean;
  /** Host facts for `/version` and `/info`; read from this machine when absent. */
  host?: HostFacts;
  /** Receives one line per answered request (the daemon's `--debug` log). */
  onRequest?: (line: string) => void;
  /** The OCI runtimes containers run with, for `/info` (none when containers are disabled). */
  runtimes?: Record<string, { path: string; version?: string }>;
  defaultRuntime?: string;
}

/** Headers dockerd puts on every response; only the ping's matter to the CLI, the rest mirror dockerd. */
export const daemonHeaders: ReadonlyArray<readonly [string, string]> = [
  ['Api-Version', apiVersion],
  ['Docker-Experimental', 'false'],
  ['Ostype', 'linux'],
  ['Server', serverHeader],
];

/** Characters a path keeps as they are under WHATWG URL parsing (no dot segments aside). */
const plainPath = /^\/[\w\-.~!$&'()*+,;=:@%/]*$/;

/**
 * The request's path as `new URL(url).pathname` gives it, read off the URL string when it is
 * plain (the CLI's always are): `new URL` per request costs more than the rest of a ping.
 */
function pathOf(url: string): string {
  const scheme = url.indexOf('://');
  const start = scheme < 0 ? -1 : url.indexOf('/', scheme + 3);
  if (start >= 0) {
    const query = url.indexOf('?', start);
    const hash = url.indexOf('#', start);
    const end = query < 0 ? (hash < 0 ? url.length : hash) : hash < 0 ? query : Math.min(query, hash);
    const path = url.slice(start, end);
    if (plainPath.test(path) && !path.includes('/.')) return path;
  }
  return new URL(url).pathname;
}

/**
 * Daemon headers straight on Node's response when there is one (they join whatever the route's
 * Response carries when it is written), so the Response's own headers are never touched: that
 * keeps @hono/node-server on its fast path, which writes a plain header object without building
 * undici Headers. Without a Node response (`app.request()` in tests) they go on the Response.
 */
function addDaemonHeaders(res: Response, outgoing: ServerResponse | undefined): Response {
  if (outgoing && typeof outgoing.setHeader === 'function' && !outgoing.headersSent) {
    for (const [name, value] of daemonHeaders) outgoing.setHeader(name, value);
    return res;
  }
  const set = (r: Response) => {
    for (const [name, value] of daemonHeaders) r.headers.set(name, value);
  };
  try {
    set(res);
    return res;
  } catch {
    // immutable headers (a fetched Response): copy it once
    const copy = new Response(res.body, res);
    set(copy);
    return copy;
  }
}

/** The Docker Engine API (v1.41) over an image engine, as a Hono app; `/v1.NN` prefixes are optional. */
export function createApp(engine: ImageEngine, options: AppOptions): Hono {
  const ctx: RouteContext = {
    engine,
    dataRoot: options.dataRoot,
    debug: options.debug ?? false,
    host: options.host ?? readHostFacts(),
    eventListeners: { count: 0 },
    containers: isContainerEngine(engine) ? engine : undefined,
    runtimes: options.runtimes ?? {},
    defaultRuntime: options.defaultRuntime ?? Object.keys(options.runtimes ?? {})[0] ?? '',
  };
  const app = new Hono({ getPath: (req) => splitVersionedPath(pathOf(req.url)).path });

  app.use('*', async (c, next) => {
    const started = Date.now();
    const { version } = splitVersionedPath(pathOf(c.req.url));
    const refusal = version === undefined ? undefined : unsupportedVersionMessage(version);
    if (refusal !== undefined) {
      c.res = errorResponse(400, refusal);
    } else {
      await next();
    }
    // Hono's res setter rewraps any response it is given (body as a stream, headers copied), which
    // costs a 650 KB listing milliseconds: assign only a response that is really new.
    const res = addDaemonHeaders(c.res, (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing);
    if (res !== c.res) c.res = res;
    options.onRequest?.(`${c.req.method} ${new URL(c.req.url).pathname}${new URL(c.req.url).search} -> ${c.res.status} (${Date.now() - started} ms)`);
  });

  app.route('/', systemRoutes(ctx));
  app.route('/', imageRoutes(ctx));
  app.route('/', buildRoutes(ctx));
  app.route('/', distributionRoutes(ctx));
  app.route('/', insightRoutes(ctx));
  app.route('/', containerFileRoutes(engine));
  app.route('/', containerStatsRoutes(engine));
  app.route('/', containerRoutes(ctx.containers));
  app.route('/', networkRoutes(isNetworkEngine(engine) ? engine : undefined));
  app.route('/', volumeRoutes(isVolumeEngine(engine) ? engine : undefined));
  app.route('/', execRoutes(isExecEngine(engine) ? engine : undefined));
  app.route('/', pluginRoutes());

  app.notFound(() => errorResponse(404, 'page not found'));
  app.onError((err) => responseForError(err));
  return app;
}
