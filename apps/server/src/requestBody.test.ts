import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { request, type Server } from 'node:http';
import { connect } from 'node:net';
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

  it('gathers a chunked body of small chunks (the docker CLI sends a build context so) into few pieces, every byte in order', async () => {
    // 512-byte headers and small bodies, one HTTP chunk per write, as Go's client sends a tar.
    const parts: Buffer[] = [];
    for (let i = 0; i < 3000; i++) parts.push(randomBytes(i % 2 === 0 ? 512 : 200 + (i % 3000)));
    const body = Buffer.concat(parts);
    // Framed by hand and written in 256 KiB pieces: a sender in another process fills the socket
    // faster than one chunk per read, which a client in this process cannot show.
    const framed = Buffer.concat([
      Buffer.from('POST /body HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n'),
      ...parts.flatMap((p) => [Buffer.from(`${p.byteLength.toString(16)}\r\n`), p, Buffer.from('\r\n')]),
      Buffer.from('0\r\n\r\n'),
    ]);
    const res = await new Promise<number>((resolve, reject) => {
      const conn = connect(socket);
      let answer = '';
      conn.on('data', (d: Buffer) => (answer += d.toString()));
      conn.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(answer)?.[1] ?? 0)));
      conn.on('error', reject);
      for (let o = 0; o < framed.byteLength; o += 256 << 10) conn.write(framed.subarray(o, o + (256 << 10)));
    });
    expect(res).toBe(200);
    const s = await seen;
    expect(s).toMatchObject({ sha256: createHash('sha256').update(body).digest('hex'), size: body.byteLength });
    if ('chunks' in s) expect(s.chunks).toBeLessThan(parts.length / 8);
  });

  it('errors the stream when the client goes away before the end of its body', async () => {
    const req = request({ socketPath: socket, agent: false, path: '/body', method: 'POST', headers: { 'Content-Length': 10 * 1024 * 1024 } });
    req.on('error', () => undefined);
    req.write(randomBytes(3 * 1024 * 1024), () => setTimeout(() => req.destroy(), 50));
    const s = await seen;
    expect(s).toHaveProperty('error');
  });
});
