import { Hono } from 'hono';
import { errorResponse } from '../errorResponse.js';

/** Networks until networking lands: dockerd's 404 so `docker inspect NAME` moves on to the next object type. */
export function networkRoutes(): Hono {
  const app = new Hono();
  app.get('/networks/:name{.+}', (c) => errorResponse(404, `network ${c.req.param('name')} not found`));
  return app;
}
