import { mkdtemp, rm } from 'node:fs/promises';
import { request, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import { describe, expect, it } from 'vitest';
import { StrataError, type ImageSummary } from '@strata/core';
import { createApp } from './app.js';
import { capturedJson, capturedResponseHeaders } from './captureFixtures.js';
import { fakeImageEngine } from './fakeImageEngine.js';
import { readHostFacts } from './hostFacts.js';
import { strataVersion } from './strataVersion.js';

const capturedImages = capturedJson('images')[0] as ImageSummary[];
const engine = fakeImageEngine({ listImages: async () => capturedImages });
const app = createApp(engine, { dataRoot: '/tmp/strata-root' });

describe('/_ping', () => {
  // dockerd's ping headers, with our Server value; the CLI negotiates from Api-Version.
  const dockerd = capturedResponseHeaders('version', /200/);

  it.each(['HEAD', 'GET'])('%s answers like dockerd', async (method) => {
    const res = await app.request('/_ping', { method });
    expect(res.status).toBe(200);
    for (const name of ['api-version', 'cache-control', 'content-type', 'docker-experimental', 'ostype', 'pragma']) {
      expect(res.headers.get(name), name).toBe(dockerd[name]);
    }
    expect(res.headers.get('server')).toBe(`Strata/${strataVersion} (linux)`);
    expect(await res.text()).toBe(method === 'HEAD' ? '' : 'OK');
  });

  it('is also served under a version prefix', async () => {
    const res = await app.request('/v1.41/_ping');
    expect(await res.text()).toBe('OK');
  });

  it('answers HEAD with Content-Length: 0, as dockerd', async () => {
    const res = await app.request('/_ping', { method: 'HEAD' });
    expect(res.headers.get('content-length')).toBe('0');
  });
});

describe('over a real socket (daemon headers set on the Node response)', () => {
  /** One request to `app` served on a unix socket: status, headers and body. */
  async function viaSocket(method: string, path: string): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
    const dir = await mkdtemp(join(tmpdir(), 'strata-app-socket-'));
    const socket = join(dir, 's.sock');
    const server = createAdaptorServer({ fetch: app.fetch }) as Server;
    try {
      await new Promise<void>((r) => server.listen(socket, r));
      return await new Promise((resolve, reject) => {
        const req = request({ socketPath: socket, method, path, agent: false }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        });
        req.on('error', reject);
        req.end();
      });
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await rm(dir, { recursive: true, force: true });
    }
  }

  const dockerd = capturedResponseHeaders('version', /200/);

  it.each([
    ['HEAD', '/_ping', ''],
    ['GET', '/v1.41/_ping', 'OK'],
  ])('%s %s carries dockerd\'s headers once each', async (method, path, body) => {
    const res = await viaSocket(method, path);
    expect(res.status).toBe(200);
    for (const name of ['api-version', 'cache-control', 'content-type', 'docker-experimental', 'ostype', 'pragma']) {
      expect(res.headers[name], name).toBe(dockerd[name]);
    }
    expect(res.headers.server).toBe(`Strata/${strataVersion} (linux)`);
    expect(res.headers['content-length']).toBe(method === 'HEAD' ? '0' : '2');
    expect(res.body).toBe(body);
  });

  it('GET /images/json carries the daemon headers and the JSON', async () => {
    const res = await viaSocket('GET', '/v1.41/images/json');
    expect(res.status).toBe(200);
    expect(res.headers['api-version']).toBe(dockerd['api-version']);
    expect(res.headers.server).toBe(`Strata/${strataVersion} (linux)`);
    expect(JSON.parse(res.body)).toEqual(capturedImages);
  });

  it('an error answer carries them too', async () => {
    const res = await viaSocket('GET', '/v1.50/version');
    expect(res.status).toBe(400);
    expect(res.headers['api-version']).toBe(dockerd['api-version']);
    expect(res.headers.ostype).toBe('linux');
  });
});

describe('API version negotiation', () => {
  it('refuses a newer client version with dockerd\'s message', async () => {
    const res = await app.request('/v1.50/version');
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual(capturedJson('version_too_new')[0]);
  });

  it('refuses versions below the minimum', async () => {
    const res = await app.request('/v1.11/version');
    expect(res.status).toBe(400);
    expect((await res.json()).message).toBe(
      'client version 1.11 is too old. Minimum supported API version is 1.12, please upgrade your client to a newer version',
    );
  });

  it.each(['/version', '/v1.12/version', '/v1.24/version', '/v1.41/version'])('serves %s', async (path) => {
    const res = await app.request(path);
    expect(res.status).toBe(200);
    expect(res.headers.get('api-version')).toBe('1.41');
  });
});

describe('/version and /info', () => {
  it('/version has the captured shape with Strata as the Engine component', async () => {
    const captured = capturedJson('version')[0] as Record<string, unknown> & { Components: Array<{ Details: object }> };
    const body = await (await app.request('/v1.41/version')).json();
    expect(Object.keys(body)).toEqual(Object.keys(captured));
    expect(Object.keys(body.Components[0].Details)).toEqual(Object.keys(captured.Components[0].Details));
    const host = readHostFacts();
    expect(body.Components[0]).toMatchObject({ Name: 'Engine', Version: strataVersion });
    expect(body).toMatchObject({ ApiVersion: '1.41', MinAPIVersion: '1.12', Os: 'linux', KernelVersion: host.kernelVersion, Arch: host.arch });
  });

  it('/info has every field of the captured one, the host facts, our driver and the engine\'s image count', async () => {
    const captured = capturedJson('info')[0] as Record<string, unknown>;
    const body = await (await app.request('/v1.41/info')).json();
    expect(Object.keys(body).sort()).toEqual(Object.keys(captured).sort());
    const host = readHostFacts();
    expect(body).toMatchObject({
      Images: capturedImages.length,
      Driver: 'strata',
      DockerRootDir: '/tmp/strata-root',
      KernelVersion: host.kernelVersion,
      NCPU: host.ncpu,
      MemTotal: host.memTotal,
      OperatingSystem: host.operatingSystem,
      OSType: 'linux',
      ServerVersion: strataVersion,
      Swarm: { LocalNodeState: 'inactive', ControlAvailable: false },
    });
    expect(engine.calls.at(-1)).toEqual(['listImages', [{ all: true }]]);
  });
});

describe('errors', () => {
  it('unknown routes are JSON 404s', async () => {
    for (const path of ['/v1.41/nosuch', '/v1.41/images/x/frobnicate?term=x', '/nosuch']) {
      const res = await app.request(path);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(await res.json()).toEqual({ message: 'page not found' });
    }
  });

  it.each([
    ['not-found', 404],
    ['conflict', 409],
    ['invalid', 400],
    ['unauthorized', 401],
    ['forbidden', 403],
    ['unavailable', 503],
    ['internal', 500],
  ] as const)('engine error %s becomes %i with its message', async (kind, status) => {
    const failing = createApp(fakeImageEngine({ inspectImage: async () => { throw new StrataError(kind, `${kind} happened`); } }), { dataRoot: '/x' });
    const res = await failing.request('/v1.41/images/busybox:local/json');
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({ message: `${kind} happened` });
  });

  it('not-modified is an empty 304 and a plain Error a 500', async () => {
    const notModified = createApp(fakeImageEngine({ inspectImage: async () => { throw new StrataError('not-modified', 'same'); } }), { dataRoot: '/x' });
    const res = await notModified.request('/images/x/json');
    expect(res.status).toBe(304);
    expect(await res.text()).toBe('');
    const broken = createApp(fakeImageEngine({ inspectImage: async () => { throw new TypeError('boom'); } }), { dataRoot: '/x' });
    const res500 = await broken.request('/images/x/json');
    expect(res500.status).toBe(500);
    expect(await res500.json()).toEqual({ message: 'boom' });
  });
});

describe('objects stratad does not have yet', () => {
  it('answer docker inspect\'s lookups with dockerd\'s 404 messages', async () => {
    // inspect_notfound: containers, images, networks, volumes, info, plugins; all but info 404.
    const expected = capturedJson('inspect_notfound') as Array<{ message?: string }>;
    const lookups = ['/v1.41/containers/nosuch/json', '/v1.41/networks/nosuch', '/v1.41/volumes/nosuch', '/v1.41/plugins/nosuch/json'];
    const messages = expected.filter((m) => m.message !== undefined && !m.message.startsWith('no such image')).map((m) => m.message);
    for (const [i, path] of lookups.entries()) {
      const res = await app.request(path);
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ message: messages[i] });
    }
  });

  it('docker ps sees an empty list', async () => {
    const res = await app.request('/v1.41/containers/json?all=1');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([]);
  });
});
