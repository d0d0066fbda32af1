import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import { coalesceChunks } from '@strata/core';

/** Chunks smaller than a quarter of this are gathered into pieces of about this size. */
const PIECE = 64 << 10;

/** Chunks below this size are gathered (see requestBodyStream). */
const SMALL = PIECE / 4;

/** Bytes read ahead of the engine, so the client never waits for the engine's fsyncs. */
const READ_AHEAD = 16 << 20;

/**
 * The request body as a Web stream of the socket's own chunks (64 KiB), read straight from
 * Node's request: going through Readable.toWeb and the Request wrapper costs a stream hop per
 * chunk, and gathering chunks into bigger pieces costs a copy and garbage-collector work on
 * hundreds of MB (measured: more than the per-chunk hops it saves). Never buffered whole; without
 * a Node request (tests through `app.request()`) the Request's own body is used.
 *
 * A chunked body is different: Node hands each HTTP chunk over as its own 'data' event, and the
 * docker CLI's build context comes as one chunk per tar write (a 512-byte header, then a small
 * file's body: ~6,000 chunks for 2,000 files). Every chunk through two stream hops cost more CPU
 * than the whole cached build (profiled), so small chunks from one socket read are gathered into
 * one piece; big ones still pass as they are.
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
        const small = new SmallChunks((piece) => {
          if (settled) return;
          controller.enqueue(piece);
          if ((controller.desiredSize ?? 1) <= 0) incoming.pause();
        });
        incoming.on('data', (chunk: Buffer) => {
          if (settled) return;
          if (chunk.byteLength < SMALL) return small.add(chunk);
          small.flush();
          controller.enqueue(chunk);
          if ((controller.desiredSize ?? 1) <= 0) incoming.pause();
        });
        incoming.once('end', () => {
          small.flush();
          settle();
        });
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

/**
 * Small chunks gathered into one piece: handed on when the piece is full, or once the 'data'
 * events of the loop's current reads are all in (setImmediate), so nothing waits for more.
 */
class SmallChunks {
  private held: Buffer[] = [];
  private size = 0;
  private scheduled = false;

  constructor(private readonly hand: (piece: Uint8Array) => void) {}

  add(chunk: Buffer): void {
    this.held.push(chunk);
    this.size += chunk.byteLength;
    if (this.size >= PIECE) return this.flush();
    if (!this.scheduled) {
      this.scheduled = true;
      // Not a microtask: Node's HTTP parser calls into JS once per chunk, and microtasks run
      // after each call; setImmediate runs once the loop has taken in this turn's reads.
      setImmediate(() => {
        this.scheduled = false;
        this.flush();
      });
    }
  }

  flush(): void {
    if (this.size === 0) return;
    const piece = this.held.length === 1 ? this.held[0]! : Buffer.concat(this.held, this.size);
    this.held = [];
    this.size = 0;
    this.hand(piece);
  }
}
