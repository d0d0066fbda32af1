import { Hono } from 'hono';
import { errorResponse } from '../errorResponse.js';

/** Volumes until they land: dockerd's 404 so `docker inspect NAME` moves on to the next object type. */
export function volumeRoutes(): Hono {
  const app = new Hono();
  app.get('/volumes/:name{.+}', (c) => errorResponse(404, `get ${c.req.param('name')}: no such volume`));
  return app;
}
