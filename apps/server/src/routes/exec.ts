import { Hono, type Context } from 'hono';
import type { ExecCreateBody, ExecEngine } from '@strata/core';
import { HttpError } from '../errorResponse.js';
import { framedOutput } from '../outputFraming.js';

/** True when the engine can run execs (core's engine does). */
export function isExecEngine(engine: object): engine is ExecEngine {
  return typeof (engine as Partial<ExecEngine>).createExec === 'function';
}

/** A JSON object body, or dockerd's 400 for anything else. */
async function jsonBody<T>(c: Context): Promise<T> {
  const text = await c.req.text();
  if (text.trim() === '') return {} as T;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    throw new HttpError(400, (e as Error).message);
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'invalid JSON body: expected an object');
  return body as T;
}

/** A terminal dimension (`h`, `w`): dockerd answers 400 for anything but an unsigned integer. */
function dimension(c: Context, key: string): number {
  const raw = c.req.query(key) ?? '';
  if (!/^\d+$/.test(raw)) throw new HttpError(400, `strconv.Atoi: parsing "${raw}": invalid syntax`);
  return Number.parseInt(raw, 10);
}

/**
 * Exec endpoints. The hijacked `POST /exec/{id}/start` (`Connection: Upgrade`, the docker CLI's
 * attached exec) goes to the hijack handler; here are create, inspect, resize and the plain start
 * (`docker exec -d` sends `{"Detach":true}` without an upgrade and gets an empty 200).
 */
export function execRoutes(engine: ExecEngine | undefined): Hono {
  const app = new Hono();
  if (!engine) return app;

  app.post('/containers/:name{.+}/exec', async (c) => {
    const body = await jsonBody<ExecCreateBody>(c);
    return c.json(await engine.createExec(c.req.param('name') as string, body), 201);
  });

  app.post('/exec/:id/start', async (c) => {
    const body = await jsonBody<{ Detach?: boolean; Tty?: boolean }>(c);
    const { tty, records } = await engine.startExec(c.req.param('id'), { detach: body.Detach === true, tty: body.Tty === true, signal: c.req.raw.signal });
    if (body.Detach === true) return c.body(null, 200);
    return new Response(framedOutput(records, { tty }), { status: 200, headers: { 'Content-Type': 'application/vnd.docker.raw-stream' } });
  });

  app.get('/exec/:id/json', async (c) => c.json(await engine.inspectExec(c.req.param('id'))));

  app.post('/exec/:id/resize', async (c) => {
    await engine.resizeExec(c.req.param('id'), { height: dimension(c, 'h'), width: dimension(c, 'w') });
    return c.body(null, 200);
  });

  return app;
}
