import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import { coalesceChunks } from '@strata/core';

/** Pieces handed to the engine: 1 MiB, where the socket delivers 64 KiB at a time. */
const PIECE = 1 << 20;

/** Pieces read ahead of the engine, so the client never waits for the engine's fsyncs. */
const READ_AHEAD = 16;

/**
 * The request body as a Web stream in 1 MiB pieces, read straight from Node's request (an image
 * archive is hundreds of MB: going through Readable.toWeb and the Request wrapper costs a
 * stream hop per 64 KiB socket read). Never buffered whole; without a Node request (tests
 * through `app.request()`) the Request's own body is used.
 */
export function requestBodyStream(c: Context): ReadableStream<Uint8Array> {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (!incoming || typeof incoming[Symbol.asyncIterator] !== 'function') {
    const body = c.req.raw.body ?? new ReadableStream<Uint8Array>({ start: (ctl) => ctl.close() });
    return body.pipeThrough(coalesceChunks(PIECE));
  }
  const chunks = incoming[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let pending: Buffer[] = [];
  let held = 0;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        for (;;) {
          const next = await chunks.next();
          if (next.done) {
            if (held > 0) controller.enqueue(Buffer.concat(pending, held));
            controller.close();
            return;
          }
          pending.push(next.value);
          held += next.value.byteLength;
          if (held >= PIECE) {
            controller.enqueue(pending.length === 1 ? pending[0] : Buffer.concat(pending, held));
            pending = [];
            held = 0;
            return;
          }
        }
      },
      cancel() {
        incoming.resume();
      },
    },
    // Read ahead: a paused socket stalls the client, and every stall costs a round trip.
    { highWaterMark: READ_AHEAD },
  );
}
