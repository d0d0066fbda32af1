import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import { coalesceChunks } from '@strata/core';

/** Chunks smaller than a quarter of this are gathered into pieces of about this size. */
const PIECE = 64 << 10;

/** Bytes read ahead of the engine, so the client never waits for the engine's fsyncs. */
const READ_AHEAD = 16 << 20;

/**
 * The request body as a Web stream of the socket's own chunks (64 KiB), read straight from
 * Node's request: going through Readable.toWeb and the Request wrapper costs a stream hop per
 * chunk, and gathering chunks into bigger pieces costs a copy and garbage-collector work on
 * hundreds of MB (measured: more than the per-chunk hops it saves). Never buffered whole; without
 * a Node request (tests through `app.request()`) the Request's own body is used.
 */
export function requestBodyStream(c: Context): ReadableStream<Uint8Array> {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (!incoming || typeof incoming[Symbol.asyncIterator] !== 'function') {
    const body = c.req.raw.body ?? new ReadableStream<Uint8Array>({ start: (ctl) => ctl.close() });
    return body.pipeThrough(coalesceChunks(PIECE));
  }
  // Push style ('data' events, paused while the read-ahead is full): no promise per chunk.
  let settled = false;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        const settle = (e?: unknown) => {
          if (settled) return;
          settled = true;
          if (e === undefined) controller.close();
          else controller.error(e);
        };
        incoming.on('data', (chunk: Buffer) => {
          if (settled) return;
          controller.enqueue(chunk);
          if ((controller.desiredSize ?? 1) <= 0) incoming.pause();
        });
        incoming.once('end', () => settle());
        incoming.once('error', (e) => settle(e));
        // A client that goes away mid-body: the engine must see an error, never a short archive.
        incoming.once('close', () => settle(new Error('request body ended before its end (client went away)')));
      },
      pull() {
        incoming.resume();
      },
      cancel() {
        settled = true;
        incoming.removeAllListeners('data');
        incoming.resume();
      },
    },
    // Read ahead: a paused socket stalls the client, and every stall costs a round trip.
    { highWaterMark: READ_AHEAD, size: (chunk) => chunk.byteLength },
  );
}
