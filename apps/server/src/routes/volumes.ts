import { Hono } from 'hono';
import type { VolumeCreateBody, VolumeEngine } from '@strata/core';
import { errorResponse, HttpError } from '../errorResponse.js';
import { parseFilters } from '../filters.js';
import { queryBoolean } from '../queryBoolean.js';

/** True when the engine has the volume side. */
export function isVolumeEngine(engine: object): engine is VolumeEngine {
  return typeof (engine as Partial<VolumeEngine>).createVolume === 'function';
}

/** `/volumes` as dockerd serves it (API 1.41): create, list, inspect, remove, prune. */
export function volumeRoutes(engine?: VolumeEngine): Hono {
  const app = new Hono();
  if (!engine) {
    // dockerd's 404 so `docker inspect NAME` moves on to the next object type.
    app.get('/volumes/:name{.+}', (c) => errorResponse(404, `get ${c.req.param('name')}: no such volume`));
    return app;
  }
  app.get('/volumes', async (c) => c.json(await engine.listVolumes({ filters: parseFilters(c.req.query('filters')) })));
  app.post('/volumes/create', async (c) => {
    const text = await c.req.text();
    let body: VolumeCreateBody = {};
    if (text.trim() !== '') {
      try {
        body = JSON.parse(text) as VolumeCreateBody;
      } catch (e) {
        throw new HttpError(400, (e as Error).message);
      }
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'invalid volume create body');
    return c.json(await engine.createVolume(body), 201);
  });
  app.post('/volumes/prune', async (c) => c.json(await engine.pruneVolumes({ filters: parseFilters(c.req.query('filters')) })));
  app.get('/volumes/:name{.+}', async (c) => c.json(await engine.inspectVolume(c.req.param('name'))));
  app.delete('/volumes/:name{.+}', async (c) => {
    await engine.removeVolume(c.req.param('name'), { force: queryBoolean(c.req.query('force')) });
    return new Response(null, { status: 204 });
  });
  return app;
}
