import { Hono } from 'hono';
import type { Engine, ImageEngine } from '@strata/core';
import { HttpError, responseForError } from '../errorResponse.js';
import type { RouteContext } from '../routeContext.js';

/** Strata's own API lives under this prefix, which no Docker API path starts with. */
export const STRATA_PREFIX = '/_strata';

type InsightEngine = Pick<Engine, 'analyzeImage' | 'diffImages'> & Partial<Pick<Engine, 'analysisDocument'>>;
const hasInsight = (e: ImageEngine): e is ImageEngine & InsightEngine =>
  typeof (e as Partial<InsightEngine>).analyzeImage === 'function' && typeof (e as Partial<InsightEngine>).diffImages === 'function';

function wholeNumber(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new HttpError(400, `invalid ${name}: ${JSON.stringify(value)} is not a whole number`);
  return Number(value);
}

/**
 * Layer insight for TUI clients of stratad, the same analysis `strata analyze` prints:
 * `GET /_strata/images/{name}/analysis?top=N&base=IMAGE` and
 * `GET /_strata/images/{name}/diff?to=OTHER&layers=N&toLayers=M`. Names keep their `/` and `:`.
 */
export function insightRoutes(ctx: RouteContext): Hono {
  const app = new Hono();
  app.get(`${STRATA_PREFIX}/images/*`, async (c) => {
    try {
      const engine = ctx.engine;
      if (!hasInsight(engine)) throw new HttpError(501, 'this engine has no layer insight');
      const rest = decodeURIComponent(new URL(c.req.url).pathname.slice(`${STRATA_PREFIX}/images/`.length));
      const cut = rest.lastIndexOf('/');
      const [name, what] = [rest.slice(0, cut), rest.slice(cut + 1)];
      if (cut <= 0 || (what !== 'analysis' && what !== 'diff')) throw new HttpError(404, `page not found`);
      if (what === 'analysis') {
        const options = { top: wholeNumber(c.req.query('top'), 'top'), base: c.req.query('base') || undefined };
        if (!engine.analysisDocument) return c.json(await engine.analyzeImage(name, options));
        // The kept JSON goes out as it is: no parse, no new string, however big the image.
        const { json } = await engine.analysisDocument(name, options);
        let next = 0;
        const body = new ReadableStream<Uint8Array>({
          pull(controller) {
            if (next < json.length) controller.enqueue(json[next++]);
            else controller.close();
          },
        });
        return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
      }
      const to = c.req.query('to');
      if (!to) throw new HttpError(400, 'diff needs ?to=IMAGE');
      const diff = await engine.diffImages({ name, layers: wholeNumber(c.req.query('layers'), 'layers') }, { name: to, layers: wholeNumber(c.req.query('toLayers'), 'toLayers') });
      return c.json(diff);
    } catch (e) {
      return responseForError(e);
    }
  });
  return app;
}
