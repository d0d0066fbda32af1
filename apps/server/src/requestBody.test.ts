import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { requestBodyStream } from './requestBody.js';

/** What the route saw of the body: its bytes' digest and size, or the error the stream gave. */
type Seen = { sha256: string; size: number; chunks: number } | { error: string };

let dir: string;
let server: Server;
let socket: string;
let seen: Promise<Seen>;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-request-body-'));
  socket = join(dir, 's.sock');
  let report!: (s: Seen) => void;
  seen = new Promise((r) => (report = r));
  const app = new Hono();
  app.post('/body', async (c) => {
    const hash = createHash('sha256');
    let size = 0;
    let chunks = 0;
    try {
      for await (const chunk of requestBodyStream(c) as unknown as AsyncIterable<Uint8Array>) {
        hash.update(chunk);
        size += chunk.byteLength;
        chunks++;
      }
      report({ sha256: hash.digest('hex'), size, chunks });
    } catch (e) {
      report({ error: (e as Error).message });
    }
    return c.text('ok');
  });
  server = createAdaptorServer({ fetch: app.fetch }) as Server;
  await new Promise<void>((r) => server.listen(socket, r));
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  await rm(dir, { recursive: true, force: true });
});

describe('requestBodyStream', () => {
  it('hands the route every byte of a large body, in order, in the socket-sized chunks it arrived in', async () => {
    const body = randomBytes(20 * 1024 * 1024 + 777);
    const res = await new Promise<number>((resolve, reject) => {
      const req = request({ socketPath: socket, agent: false, path: '/body', method: 'POST', headers: { 'Content-Length': body.byteLength } }, (r) => {
        r.resume();
        resolve(r.statusCode ?? 0);
      });
      req.on('error', reject);
      // Written in 1 KiB writes: what the route gets depends on the socket, not on the sender.
      for (let o = 0; o < body.byteLength; o += 1024) req.write(body.subarray(o, o + 1024));
      req.end();
    });
    expect(res).toBe(200);
    const s = await seen;
    expect(s).toMatchObject({ sha256: createHash('sha256').update(body).digest('hex'), size: body.byteLength });
    if ('chunks' in s) expect(s.chunks).toBeLessThan(body.byteLength / 1024);
  });

  it('errors the stream when the client goes away before the end of its body', async () => {
    const req = request({ socketPath: socket, agent: false, path: '/body', method: 'POST', headers: { 'Content-Length': 10 * 1024 * 1024 } });
    req.on('error', () => undefined);
    req.write(randomBytes(3 * 1024 * 1024), () => setTimeout(() => req.destroy(), 50));
    const s = await seen;
    expect(s).toHaveProperty('error');
  });
});
