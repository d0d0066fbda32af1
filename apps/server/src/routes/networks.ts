import { Hono } from 'hono';
import type { NetworkEngine } from '@strata/core';
import { errorResponse, HttpError } from '../errorResponse.js';
import { parseFilters } from '../filters.js';

/** True when the engine has the network side. */
export function isNetworkEngine(engine: object): engine is NetworkEngine {
  return typeof (engine as Partial<NetworkEngine>).listNetworks === 'function';
}

const BUILT_IN = new Set(['bridge', 'host', 'none']);

/** `/networks` for the built-in networks; user-defined networks are refused as dockerd refuses a duplicate of them. */
export function networkRoutes(engine?: NetworkEngine): Hono {
  const app = new Hono();
  if (!engine) {
    app.get('/networks/:name{.+}', (c) => errorResponse(404, `network ${c.req.param('name')} not found`));
    return app;
  }
  app.get('/networks', async (c) => c.json(await engine.listNetworks({ filters: parseFilters(c.req.query('filters')) })));
  app.post('/networks/create', async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as { Name?: string };
    if (body.Name && BUILT_IN.has(body.Name)) throw new HttpError(403, `${body.Name} is a pre-defined network and cannot be created`);
    throw new HttpError(501, 'user-defined networks are not supported yet: containers use the default bridge, host or none');
  });
  app.get('/networks/:name{.+}', async (c) => c.json(await engine.inspectNetwork(c.req.param('name'))));
  app.delete('/networks/:name{.+}', async (c) => {
    const name = c.req.param('name');
    const n = await engine.inspectNetwork(name);
    throw new HttpError(403, `${n.Name} is a pre-defined network and cannot be removed`);
  });
  return app;
}
