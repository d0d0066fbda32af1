import { Hono, type Context } from 'hono';
import type { ContainerCreateBody, ContainerEngine, ContainerLogOptions } from '@strata/core';
import { parseWaitCondition, waitResponse } from '../containerWait.js';
import { errorResponse, HttpError } from '../errorResponse.js';
import { parseFilters } from '../filters.js';
import { framedOutput } from '../outputFraming.js';
import { queryBoolean } from '../queryBoolean.js';

/** True when the engine has the container side (core's engine once the lifecycle work landed). */
export function isContainerEngine(engine: object): engine is ContainerEngine {
  return typeof (engine as Partial<ContainerEngine>).createContainer === 'function';
}

/** Content types newer daemons put on output streams; the CLI ignores them (it reads Config.Tty). */
const outputContentType = (tty: boolean) => (tty ? 'application/vnd.docker.raw-stream' : 'application/vnd.docker.multiplexed-stream');

/** An integer query value (`t`, `h`, `w`), or undefined when absent or empty. */
function queryInteger(c: Context, key: string): number | undefined {
  const raw = c.req.query(key);
  if (raw === undefined || raw.trim() === '') return undefined;
  if (!/^-?\d+$/.test(raw.trim())) throw new HttpError(400, `invalid value for ${key}: ${raw}`);
  return Number.parseInt(raw, 10);
}

/** `since`/`until` of logs: Unix seconds with an optional fraction (`1795356441.000000000`). */
function queryTimestamp(c: Context, key: string): number | undefined {
  const raw = c.req.query(key);
  if (raw === undefined || raw === '' || raw === '0') return undefined;
  if (!/^\d+(\.\d+)?$/.test(raw)) throw new HttpError(400, `invalid value for ${key}: ${raw}`);
  return Number(raw);
}

/** `tail`: a line count, or all lines for `all`, empty or anything unparsable (as dockerd). */
function queryTail(c: Context): number | undefined {
  const raw = c.req.query('tail');
  if (raw === undefined || !/^\d+$/.test(raw)) return undefined;
  return Number.parseInt(raw, 10);
}

/** A stop/restart grace period: `t` in seconds, also read as `timeout` (API < 1.42 clients differ). */
const graceOf = (c: Context) => queryInteger(c, 't') ?? queryInteger(c, 'timeout');

const noContent = () => new Response(null, { status: 204 });

/** Routes while the engine has no container side: `docker ps` lists nothing and `docker inspect` moves on. */
function absentContainerRoutes(): Hono {
  const app = new Hono();
  app.get('/containers/json', (c) => c.json([]));
  app.get('/containers/:name{.+}/json', (c) => errorResponse(404, `No such container: ${c.req.param('name')}`));
  return app;
}

/**
 * Container endpoints over the engine's container side. The hijacked attach (`Connection:
 * Upgrade`) never reaches Hono: the node server hands it to {@link createHijackHandler}; the plain
 * POST form of attach (no upgrade) is served here as a streamed body.
 */
export function containerRoutes(engine: ContainerEngine | undefined): Hono {
  if (!engine) return absentContainerRoutes();
  const app = new Hono();
  const name = (c: Context) => c.req.param('name') as string;

  app.post('/containers/create', async (c) => {
    const text = await c.req.text();
    if (text.trim() === '') throw new HttpError(400, 'config cannot be empty in order to create a container');
    let body: ContainerCreateBody;
    try {
      body = JSON.parse(text) as ContainerCreateBody;
    } catch (e) {
      throw new HttpError(400, (e as Error).message);
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'config cannot be empty in order to create a container');
    const created = await engine.createContainer(body, {
      name: c.req.query('name') || undefined,
      platform: c.req.query('platform') || undefined,
    });
    return c.json({ Id: created.Id, Warnings: created.Warnings ?? [] }, 201);
  });

  app.get('/containers/json', async (c) => {
    const limit = queryInteger(c, 'limit');
    const options = {
      all: queryBoolean(c.req.query('all')),
      size: queryBoolean(c.req.query('size')),
      limit: limit !== undefined && limit > 0 ? limit : undefined,
      filters: parseFilters(c.req.query('filters')),
    };
    // The engine's kept bytes when it has them: a body of 1,000 summaries costs a copy, not a JSON.stringify.
    if (engine.listContainersJson) return c.body(await engine.listContainersJson(options) as Uint8Array<ArrayBuffer>, 200, { 'Content-Type': 'application/json' });
    return c.json(await engine.listContainers(options));
  });

  app.get('/containers/:name{.+}/json', async (c) => c.json(await engine.inspectContainer(name(c), { size: queryBoolean(c.req.query('size')) })));

  app.post('/containers/:name{.+}/start', async (c) => {
    await engine.startContainer(name(c));
    return noContent();
  });

  app.post('/containers/:name{.+}/stop', async (c) => {
    await engine.stopContainer(name(c), { timeout: graceOf(c), signal: c.req.query('signal') || undefined });
    return noContent();
  });

  app.post('/containers/:name{.+}/restart', async (c) => {
    await engine.restartContainer(name(c), { timeout: graceOf(c), signal: c.req.query('signal') || undefined });
    return noContent();
  });

  app.post('/containers/:name{.+}/kill', async (c) => {
    await engine.killContainer(name(c), c.req.query('signal') || undefined);
    return noContent();
  });

  app.post('/containers/:name{.+}/pause', async (c) => {
    await engine.pauseContainer(name(c));
    return noContent();
  });

  app.post('/containers/:name{.+}/unpause', async (c) => {
    await engine.unpauseContainer(name(c));
    return noContent();
  });

  app.post('/containers/:name{.+}/rename', async (c) => {
    await engine.renameContainer(name(c), c.req.query('name') ?? '');
    return noContent();
  });

  app.post('/containers/:name{.+}/wait', async (c) =>
    waitResponse(engine, name(c), parseWaitCondition(c.req.query('condition')), c.req.raw.signal),
  );

  app.post('/containers/:name{.+}/resize', async (c) => {
    await engine.resizeContainer(name(c), { height: queryInteger(c, 'h') ?? 0, width: queryInteger(c, 'w') ?? 0 });
    return c.body(null, 200);
  });

  app.delete('/containers/:name{.+}', async (c) => {
    await engine.removeContainer(name(c), { force: queryBoolean(c.req.query('force')), volumes: queryBoolean(c.req.query('v')) });
    return noContent();
  });

  app.get('/containers/:name{.+}/top', async (c) => c.json(await engine.topContainer(name(c), c.req.query('ps_args') || undefined)));

  app.get('/containers/:name{.+}/logs', async (c) => {
    const options: ContainerLogOptions = {
      stdout: queryBoolean(c.req.query('stdout')),
      stderr: queryBoolean(c.req.query('stderr')),
      follow: queryBoolean(c.req.query('follow')),
      since: queryTimestamp(c, 'since'),
      until: queryTimestamp(c, 'until'),
      tail: queryTail(c),
      signal: c.req.raw.signal,
    };
    if (!options.stdout && !options.stderr) throw new HttpError(400, 'You must choose at least one stream');
    const { tty, records } = await engine.containerLogs(name(c), options);
    // A stream body leaves its headers at once, so `logs -f` on a quiet container is not stuck.
    return new Response(framedOutput(records, { tty, timestamps: queryBoolean(c.req.query('timestamps')) }), {
      status: 200,
      headers: { 'Content-Type': outputContentType(tty) },
    });
  });

  app.post('/containers/:name{.+}/attach', async (c) => {
    const { tty, records } = await engine.attachContainer(name(c), {
      stdout: queryBoolean(c.req.query('stdout')),
      stderr: queryBoolean(c.req.query('stderr')),
      logs: queryBoolean(c.req.query('logs')),
      signal: c.req.raw.signal,
    });
    return new Response(framedOutput(records, { tty }), { status: 200, headers: { 'Content-Type': 'application/vnd.docker.raw-stream' } });
  });

  return app;
}
