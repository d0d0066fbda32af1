import { Hono } from 'hono';
import { canLogin, type RegistryAuth } from '@strata/core';
import { HttpError } from '../errorResponse.js';
import type { RouteContext } from '../routeContext.js';

/** Registry endpoints that are not about one local image: `POST /auth` (docker login). */
export function distributionRoutes(ctx: RouteContext): Hono {
  const { engine } = ctx;
  const app = new Hono();

  app.post('/auth', async (c) => {
    if (!canLogin(engine)) throw new HttpError(501, 'docker login is not implemented: this engine has no registry client');
    let body: Record<string, unknown>;
    try {
      body = (await c.req.json()) as Record<string, unknown>;
    } catch {
      throw new HttpError(400, 'invalid JSON in login request');
    }
    const auth: RegistryAuth = {};
    for (const key of ['username', 'password', 'identitytoken', 'registrytoken', 'serveraddress'] as const) {
      if (typeof body[key] === 'string' && body[key] !== '') auth[key] = body[key] as string;
    }
    return c.json(await engine.login(auth));
  });

  return app;
}
