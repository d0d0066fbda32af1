import { Hono } from 'hono';
import { type ContainerStats, type ContainerStatsEngine, hasContainerStats } from '@strata/core';
import { queryBoolean } from '../queryBoolean.js';

const encoder = new TextEncoder();
const text = (frame: ContainerStats): string => `${JSON.stringify(frame)}\n`;
const line = (frame: ContainerStats): Uint8Array => encoder.encode(text(frame));

/**
 * `GET /containers/{id}/stats`: a JSON frame a second (`stream`, the default), or one frame
 * (`stream=0`, after dockerd's one-second priming sample unless `one-shot=1`). The first frame is
 * read before the answer starts, so a missing container is a plain 404.
 */
export function containerStatsRoutes(engine: object): Hono {
  const app = new Hono();
  if (!hasContainerStats(engine)) return app;
  const stats: ContainerStatsEngine = engine;
  app.get('/containers/:name{.+}/stats', async (c) => {
    const streamParam = c.req.query('stream');
    const stream = streamParam === undefined ? true : queryBoolean(streamParam);
    const signal = c.req.raw.signal;
    const frames = stats.containerStats(c.req.param('name'), { stream, oneShot: queryBoolean(c.req.query('one-shot')), signal })[Symbol.asyncIterator]();
    const first = await frames.next();
    if (!stream) {
      void frames.return?.();
      return new Response(first.done ? '' : text(first.value), { status: 200, headers: { 'Content-Type': 'application/json' } });
    }
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        if (first.done) controller.close();
        else controller.enqueue(line(first.value));
      },
      async pull(controller) {
        const next = await frames.next();
        if (next.done) controller.close();
        else controller.enqueue(line(next.value));
      },
      async cancel() {
        await frames.return?.();
      },
    });
    return new Response(body, { status: 200, headers: { 'Content-Type': 'application/json' } });
  });
  return app;
}
