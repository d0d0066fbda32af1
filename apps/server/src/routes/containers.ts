import { Hono } from 'hono';
import { errorResponse } from '../errorResponse.js';

/** Containers until the runtime lands: an empty list so `docker ps` works, and dockerd's 404 so `docker inspect` moves on. */
export function containerRoutes(): Hono {
  const app = new Hono();
  app.get('/containers/json', (c) => c.json([]));
  app.get('/containers/:name{.+}/json', (c) => errorResponse(404, `No such container: ${c.req.param('name')}`));
  return app;
}
