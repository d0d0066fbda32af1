// The fast lane answers pings and plain `ps` listings on Node's response: the same status, headers
// and bytes as the Hono routes, and everything else (and every failure) left to Hono.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StrataError, type ImageEngine } from '@strata/core';
import { createApp, daemonHeaders } from './app.js';
import { startDaemon, type Daemon } from './daemon.js';
import { socketRequest, type SocketResponse } from './e2e/socketRequest.js';
import { fakeImageEngine } from './fakeImageEngine.js';
import { withFastLane } from './fastLane.js';
import { scriptedContainers } from './testing/scriptedContainers.js';

const encoder = new TextEncoder();

/** A scripted engine that also sends its listing as kept bytes, as the real engine does; `fail` makes that throw. */
function engineWithBytes() {
  const engine = Object.assign(scriptedContainers(), {
    bytesAsked: 0,
    fail: undefined as StrataError | undefined,
    async listContainersJson(options: { all?: boolean; size?: boolean; limit?: number } = {}) {
      engine.bytesAsked++;
      if (engine.fail) throw engine.fail;
      return encoder.encode(`${JSON.stringify(await engine.listContainers(options))}\n`);
    },
  });
  return engine;
}

/** The scripted engine as the daemon takes it: an image engine too (whose image calls no test here makes). */
const asDaemonEngine = (engine: ReturnType<typeof engineWithBytes>) => Object.assign(fakeImageEngine({}), engine) as ImageEngine;

let dir: string;
let daemon: Daemon | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stratad-fastlane-'));
});
afterEach(async () => {
  await daemon?.close();
  daemon = undefined;
  await rm(dir, { recursive: true, force: true });
});

/** Headers a reader compares: names in lower case, without those Node adds per connection. */
function comparable(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    const name = k.toLowerCase();
    if (['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding'].includes(name) || v === undefined) continue;
    out[name] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

describe('the fast lane', () => {
  it('answers ping and ps listings with the bytes and headers Hono answers them with', async () => {
    const engine = engineWithBytes();
    for (const name of ['one', 'two', 'three']) await engine.createContainer({ Image: 'busybox:local', Cmd: ['echo', name] }, { name });
    await engine.startContainer('two');
    daemon = await startDaemon({ engine: asDaemonEngine(engine), dataRoot: dir, log: () => undefined });
    const socket = join(dir, 'stratad.sock');
    const app = createApp(asDaemonEngine(engine), { dataRoot: dir });

    for (const [method, path] of [
      ['HEAD', '/_ping'],
      ['GET', '/_ping'],
      ['HEAD', '/v1.41/_ping'],
      ['GET', '/v1.41/containers/json?all=1'],
      ['GET', '/v1.24/containers/json'],
      ['GET', '/containers/json?all=0'],
      ['GET', '/containers/json?all=true'],
    ] as const) {
      const fast: SocketResponse = await socketRequest(socket, method, path);
      const hono = await app.request(path, { method });
      const honoBody = Buffer.from(await hono.arrayBuffer());
      expect({ path, status: fast.status }).toEqual({ path, status: hono.status });
      expect(comparable(fast.headers)).toEqual(comparable(Object.fromEntries(hono.headers)));
      expect(fast.headers['content-length']).toBe(String(method === 'HEAD' ? 0 : fast.body.byteLength));
      expect(fast.body.equals(honoBody)).toBe(true);
    }
    const listed = await socketRequest(socket, 'GET', '/v1.41/containers/json?all=1');
    expect((listed.json as Array<{ Names: string[] }>).map((c) => c.Names[0])).toEqual(['/three', '/two', '/one']);
    expect(((await socketRequest(socket, 'GET', '/v1.41/containers/json')).json as Array<{ Names: string[] }>).map((c) => c.Names[0])).toEqual(['/two']);
  });

  it('takes only pings and listings with no query but all; the rest, and refused versions, go on', async () => {
    const engine = engineWithBytes();
    const passed: string[] = [];
    const lane = withFastLane((req: IncomingMessage, res: ServerResponse) => {
      passed.push(`${req.method} ${req.url}`);
      res.writeHead(299).end();
    }, engine, daemonHeaders);
    const server = createServer(lane);
    const socket = join(dir, 'lane.sock');
    await new Promise<void>((r) => server.listen(socket, r));
    try {
      const asked = async (method: string, path: string) => (await socketRequest(socket, method, path)).status;
      expect(await asked('HEAD', '/_ping')).toBe(200);
      expect(await asked('GET', '/v1.41/_ping')).toBe(200);
      expect(await asked('GET', '/v1.41/containers/json?all=1')).toBe(200);
      expect(await asked('GET', '/containers/json')).toBe(200);
      expect(passed).toEqual([]);
      expect(engine.bytesAsked).toBe(2);
      for (const [method, path] of [
        ['POST', '/_ping'],
        ['GET', '/v1.99/_ping'],
        ['GET', '/v1.99/containers/json?all=1'],
        ['GET', '/v1.11/containers/json'],
        ['GET', '/v1.41/containers/json?all=1&size=1'],
        ['GET', '/v1.41/containers/json?limit=2'],
        ['GET', '/v1.41/containers/json?filters=%7B%22status%22%3A%7B%22exited%22%3Atrue%7D%7D'],
        ['DELETE', '/containers/json'],
        ['GET', '/containers/json/'],
        ['GET', '/v1.41/containers/abc/json'],
      ] as const) {
        expect(await asked(method, path)).toBe(299);
      }
      expect(passed).toEqual([
        'POST /_ping',
        'GET /v1.99/_ping',
        'GET /v1.99/containers/json?all=1',
        'GET /v1.11/containers/json',
        'GET /v1.41/containers/json?all=1&size=1',
        'GET /v1.41/containers/json?limit=2',
        'GET /v1.41/containers/json?filters=%7B%22status%22%3A%7B%22exited%22%3Atrue%7D%7D',
        'DELETE /containers/json',
        'GET /containers/json/',
        'GET /v1.41/containers/abc/json',
      ]);
      // a listing the engine cannot make goes on too, and the next listener answers it
      engine.fail = new StrataError('unavailable', 'the store is closing');
      expect(await asked('GET', '/v1.41/containers/json?all=1')).toBe(299);
      expect(passed.at(-1)).toBe('GET /v1.41/containers/json?all=1');
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('leaves an engine failure to Hono, which answers it with Docker status and message', async () => {
    const engine = engineWithBytes();
    engine.fail = new StrataError('invalid', 'the listing cannot be made');
    daemon = await startDaemon({ engine: asDaemonEngine(engine), dataRoot: dir, log: () => undefined });
    const answer = await socketRequest(join(dir, 'stratad.sock'), 'GET', '/v1.41/containers/json?all=1');
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({ message: 'the listing cannot be made' });
    expect(engine.bytesAsked).toBe(2);
  });
});
