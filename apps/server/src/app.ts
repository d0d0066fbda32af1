import { Hono } from 'hono';
import type { ImageEngine } from '@strata/core';
import { apiVersion, splitVersionedPath, unsupportedVersionMessage } from './apiVersion.js';
import { errorResponse, responseForError } from './errorResponse.js';
import { readHostFacts, type HostFacts } from './hostFacts.js';
import type { RouteContext } from './routeContext.js';
import { serverHeader } from './strataVersion.js';
import { containerRoutes, isContainerEngine } from './routes/containers.js';
import { imageRoutes } from './routes/images.js';
import { insightRoutes } from './routes/insight.js';
import { networkRoutes } from './routes/networks.js';
import { pluginRoutes } from './routes/plugins.js';
import { systemRoutes } from './routes/system.js';
import { volumeRoutes } from './routes/volumes.js';

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
function addDaemonHeaders(res: Response): Response {
  const set = (r: Response) => {
    r.headers.set('Api-Version', apiVersion);
    r.headers.set('Docker-Experimental', 'false');
    r.headers.set('Ostype', 'linux');
    r.headers.set('Server', serverHeader);
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
  const app = new Hono({ getPath: (req) => splitVersionedPath(new URL(req.url).pathname).path });

  app.use('*', async (c, next) => {
    const started = Date.now();
    const { version } = splitVersionedPath(new URL(c.req.url).pathname);
    const refusal = version === undefined ? undefined : unsupportedVersionMessage(version);
    if (refusal !== undefined) {
      c.res = errorResponse(400, refusal);
    } else {
      await next();
    }
    c.res = addDaemonHeaders(c.res);
    options.onRequest?.(`${c.req.method} ${new URL(c.req.url).pathname}${new URL(c.req.url).search} -> ${c.res.status} (${Date.now() - started} ms)`);
  });

  app.route('/', systemRoutes(ctx));
  app.route('/', imageRoutes(ctx));
  app.route('/', insightRoutes(ctx));
  app.route('/', containerRoutes(ctx.containers));
  app.route('/', networkRoutes());
  app.route('/', volumeRoutes());
  app.route('/', pluginRoutes());

  app.notFound(() => errorResponse(404, 'page not found'));
  app.onError((err) => responseForError(err));
  return app;
}
