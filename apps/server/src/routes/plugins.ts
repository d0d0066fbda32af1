import { Hono } from 'hono';
import { errorResponse } from '../errorResponse.js';

/** Plugins are not supported: dockerd's 404 ends `docker inspect NAME` with `No such object`. */
export function pluginRoutes(): Hono {
  const app = new Hono();
  app.get('/plugins/:name{.+}/json', (c) => errorResponse(404, `plugin "${c.req.param('name')}" not found`));
  return app;
}
