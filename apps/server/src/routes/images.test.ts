import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StrataError, type HistoryEntry, type ImageDeleteItem, type ImageInspect, type ImageSummary, type LoadOptions } from '@strata/core';
import { createApp } from '../app.js';
import { capturedJson, capturedRequests, fixturesDir } from '../captureFixtures.js';
import { fakeImageEngine } from '../fakeImageEngine.js';

const appWith = (methods: Parameters<typeof fakeImageEngine>[0]) => {
  const engine = fakeImageEngine(methods);
  return { engine, app: createApp(engine, { dataRoot: '/tmp/strata-root' }) };
};

/** A captured request line (`GET /v1.41/images/json?...`) as [method, path]. */
const request = (capture: string, index = 0): [string, string] => {
  const [method, path] = capturedRequests(capture)[index].split(' ');
  return [method, path];
};

async function streamText(body: ReadableStream<Uint8Array> | null): Promise<string> {
  return new Response(body).text();
}

const streamOf = (bytes: Uint8Array, chunk = 4096) => {
  let off = 0;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      if (off >= bytes.length) return c.close();
      c.enqueue(bytes.subarray(off, off + chunk));
      off += chunk;
    },
  });
};

describe('GET /images/json', () => {
  it('passes all=1 and the CLI\'s filters and answers the engine\'s list as JSON', async () => {
    const list = capturedJson('images_filter')[0] as ImageSummary[];
    const { app, engine } = appWith({ listImages: async () => list });
    const [method, path] = request('images_filter');
    const res = await app.request(path, { method });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual(list);
    expect(engine.calls[0]).toEqual(['listImages', [{ all: false, filters: { reference: ['mybuild'] }, digests: false }]]);

    await app.request(request('image_ls_a')[1]);
    expect(engine.calls[1][1]).toEqual([{ all: true, filters: {}, digests: false }]);
  });

  it('accepts the older array form of filters and the legacy filter parameter', async () => {
    const { app, engine } = appWith({ listImages: async () => [] });
    const filters = encodeURIComponent(JSON.stringify({ dangling: ['true'], reference: ['a'] }));
    await app.request(`/v1.41/images/json?filters=${filters}&filter=b&all=true&digests=1`);
    expect(engine.calls[0][1]).toEqual([{ all: true, filters: { dangling: ['true'], reference: ['a', 'b'] }, digests: true }]);
  });

  it('rejects filters that are not JSON with a 400', async () => {
    const { app } = appWith({ listImages: async () => [] });
    const res = await app.request('/v1.41/images/json?filters=%7Bnope');
    expect(res.status).toBe(400);
    expect((await res.json()).message).toMatch(/^invalid filter: /);
  });
});

describe('image routes by name', () => {
  it('inspect takes names with a registry port and a tag', async () => {
    const inspect = capturedJson('image_inspect')[0] as ImageInspect;
    const { app, engine } = appWith({ inspectImage: async () => inspect });
    const res = await app.request('/v1.41/images/127.0.0.1:5000/busybox:local/json');
    expect(await res.json()).toEqual(inspect);
    expect(engine.calls[0]).toEqual(['inspectImage', ['127.0.0.1:5000/busybox:local']]);
  });

  it('history answers the engine\'s entries', async () => {
    const history = capturedJson('history')[0] as HistoryEntry[];
    const { app, engine } = appWith({ imageHistory: async () => history });
    const [method, path] = request('history');
    expect(await (await app.request(path, { method })).json()).toEqual(history);
    expect(engine.calls[0]).toEqual(['imageHistory', ['mycommit:v1']]);
  });

  it('tag is a 201 with an empty body, repo and tag from the query', async () => {
    const { app, engine } = appWith({ tagImage: async () => undefined });
    const [method, path] = request('tag');
    const res = await app.request(path, { method });
    expect(res.status).toBe(201);
    expect(await res.text()).toBe('');
    expect(engine.calls[0]).toEqual(['tagImage', ['busybox:local', '127.0.0.1:5000/busybox', 'local']]);
  });

  it('delete passes force and noprune and answers Untagged/Deleted items', async () => {
    const items = capturedJson('rmi')[1] as ImageDeleteItem[];
    const { app, engine } = appWith({ removeImage: async () => items });
    const [method, path] = request('rmi', 1);
    const res = await app.request(path, { method });
    expect(await res.json()).toEqual(items);
    expect(engine.calls[0]).toEqual(['removeImage', ['busybox:local', { force: false, noprune: false }]]);
    await app.request('/v1.41/images/127.0.0.1:5000/busybox:local?force=1&noprune=1', { method: 'DELETE' });
    expect(engine.calls[1]).toEqual(['removeImage', ['127.0.0.1:5000/busybox:local', { force: true, noprune: true }]]);
  });

  it('delete of a missing image is dockerd\'s 404', async () => {
    const { app } = appWith({ removeImage: async () => { throw new StrataError('not-found', 'No such image: nosuch:latest'); } });
    const [method, path] = request('rmi_notfound');
    const res = await app.request(path, { method });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual(capturedJson('rmi_notfound')[0]);
  });

  it('push answers 501 until the registry client lands', async () => {
    const { app } = appWith({});
    const res = await app.request('/v1.41/images/127.0.0.1:5000/busybox/push?tag=local', { method: 'POST' });
    expect(res.status).toBe(501);
    expect((await res.json()).message).toMatch(/^pushing 127\.0\.0\.1:5000\/busybox is not implemented yet/);
  });
});

describe('save', () => {
  const tar = new Uint8Array(readFileSync(join(fixturesDir, 'images/01-base/image.tar')));

  it('streams the engine\'s tar for every names= value', async () => {
    const { app, engine } = appWith({ saveImages: async () => streamOf(tar) });
    const res = await app.request('/v1.41/images/get?names=busybox%3Alocal&names=fixture%2F02-whiteout%3Av1');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-tar');
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.length).toBe(tar.length);
    expect(body.equals(tar)).toBe(true);
    expect(engine.calls[0]).toEqual(['saveImages', [['busybox:local', 'fixture/02-whiteout:v1']]]);
    expect(res.headers.get('content-length')).toBeNull();
  });

  it('sends Content-Length when the engine knows the archive length up front', async () => {
    const { app } = appWith({ saveImages: async () => Object.assign(streamOf(tar), { byteLength: tar.byteLength }) });
    const res = await app.request('/v1.41/images/get?names=busybox%3Alocal');
    expect(res.headers.get('content-length')).toBe(String(tar.byteLength));
    expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(tar))).toBe(true);
  });

  it('GET /images/{name}/get saves one image; a missing one is a real 404', async () => {
    const { app, engine } = appWith({
      saveImages: async (names) => {
        if (names[0] === 'nosuch') throw new StrataError('not-found', 'No such image: nosuch:latest');
        return streamOf(tar);
      },
    });
    expect((await app.request('/v1.41/images/busybox:local/get')).status).toBe(200);
    expect(engine.calls[0]).toEqual(['saveImages', [['busybox:local']]]);
    const res = await app.request('/v1.41/images/nosuch/get');
    expect(res.status).toBe(404);
  });
});

describe('load', () => {
  const tar = new Uint8Array(readFileSync(join(fixturesDir, 'images/02-whiteout/image.tar')));
  const loading = { status: 'Loading layer', progressDetail: { current: 2048, total: 2048 }, progress: '[==>]  2.048kB/2.048kB', id: 'eddc37837a88' };

  const loader = (received: number[]) => async (archive: ReadableStream<Uint8Array>, options?: LoadOptions) => {
    let n = 0;
    for await (const chunk of archive as unknown as AsyncIterable<Uint8Array>) n += chunk.length;
    received.push(n);
    options?.onProgress?.(loading);
    options?.onProgress?.({ stream: 'Loaded image: fixture/02-whiteout:v1\n' });
    return { imageIds: ['sha256:07019df820f5879d03be94bb3657e4fa5c7dc9a78498f27c3bd7fe88f31ac291'], messages: ['Loaded image: fixture/02-whiteout:v1'] };
  };

  it('quiet=1 streams only the Loaded image lines, as dockerd', async () => {
    const received: number[] = [];
    const { app } = appWith({ loadImages: loader(received) });
    const [method, path] = request('load');
    const res = await app.request(path, { method, body: streamOf(tar), duplex: 'half' } as RequestInit);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.text()).toBe('{"stream":"Loaded image: fixture/02-whiteout:v1\\n"}\r\n');
    expect(received).toEqual([tar.length]);
  });

  it('quiet=0 adds the progress messages', async () => {
    const { app } = appWith({ loadImages: loader([]) });
    const [method, path] = request('load_tty');
    const text = await (await app.request(path, { method, body: streamOf(tar), duplex: 'half' } as RequestInit)).text();
    expect(text.split('\r\n').filter(Boolean).map((l) => JSON.parse(l))).toEqual([loading, { stream: 'Loaded image: fixture/02-whiteout:v1\n' }]);
  });

  it('sends the result\'s lines when the engine reported none as it went', async () => {
    const { app } = appWith({ loadImages: async () => ({ imageIds: ['sha256:x'], messages: ['Loaded image ID: sha256:x'] }) });
    const text = await (await app.request('/v1.41/images/load?quiet=1', { method: 'POST', body: tar })).text();
    expect(text).toBe('{"stream":"Loaded image ID: sha256:x\\n"}\r\n');
  });

  it('answers 200 at once and reports failures in the stream, as moby\'s postImagesLoad does', async () => {
    const early = appWith({ loadImages: async () => { throw new StrataError('invalid', 'unexpected EOF'); } }).app;
    const res = await early.request('/v1.41/images/load?quiet=1', { method: 'POST', body: tar });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('{"errorDetail":{"message":"unexpected EOF"},"error":"unexpected EOF"}\r\n');

    const late = appWith({
      loadImages: async (_a, options) => {
        options?.onProgress?.(loading);
        throw new StrataError('invalid', 'layer digest mismatch');
      },
    }).app;
    const streamed = await late.request('/v1.41/images/load?quiet=0', { method: 'POST', body: tar });
    expect(streamed.status).toBe(200);
    const lines = (await streamed.text()).split('\r\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(lines).toEqual([loading, { errorDetail: { message: 'layer digest mismatch' }, error: 'layer digest mismatch' }]);
  });
});

describe('import and pull', () => {
  it('import passes repo, message and changes as the CLI sends them and answers {"status": id}', async () => {
    const id = (capturedJson('import')[0] as { status: string }).status;
    let bytes = 0;
    const { app, engine } = appWith({
      importImage: async (rootfs) => {
        for await (const chunk of rootfs as unknown as AsyncIterable<Uint8Array>) bytes += chunk.length;
        return id;
      },
    });
    const [method, path] = request('import');
    const body = new Uint8Array(10240).fill(7);
    const res = await app.request(path, { method, body: streamOf(body, 1000), duplex: 'half', headers: { 'Content-Type': 'text/plain' } } as RequestInit);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(`{"status":"${id}"}\r\n`);
    expect(bytes).toBe(body.length);
    expect(engine.calls[0][1][1]).toEqual({ repo: 'imported:v1', tag: undefined, message: 'imported msg', changes: ['CMD ["sh"]'], platform: undefined });
  });

  it('several --change flags arrive as repeated changes=', async () => {
    const { app, engine } = appWith({ importImage: async () => 'sha256:abc' });
    await app.request('/v1.41/images/create?fromSrc=-&changes=CMD+%5B%22sh%22%5D&changes=ENV+A%3Db', { method: 'POST', body: 'x' });
    expect((engine.calls[0][1][1] as { changes: string[] }).changes).toEqual(['CMD ["sh"]', 'ENV A=b']);
  });

  it('import errors are HTTP errors (no output before the id)', async () => {
    const { app } = appWith({ importImage: async () => { throw new StrataError('invalid', 'invalid reference format'); } });
    const res = await app.request('/v1.41/images/create?fromSrc=-&repo=Bad%3A%3Aref', { method: 'POST', body: 'x' });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ message: 'invalid reference format' });
  });

  it('pull (fromImage) answers a clear 501 until the registry client lands', async () => {
    const { app } = appWith({});
    const res = await app.request('/v1.41/images/create?fromImage=docker.io%2Flibrary%2Fbusybox&tag=latest', { method: 'POST' });
    expect(res.status).toBe(501);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect((await res.json()).message).toMatch(/^pulling docker\.io\/library\/busybox is not implemented yet/);
  });
});

describe('prune and df', () => {
  it('prune passes filters and answers the report', async () => {
    const report = { ImagesDeleted: [{ Deleted: 'sha256:cc9b' }], SpaceReclaimed: 28 };
    const { app, engine } = appWith({ pruneImages: async () => report });
    const filters = encodeURIComponent('{"dangling":{"true":true}}');
    const res = await app.request(`/v1.41/images/prune?filters=${filters}`, { method: 'POST' });
    expect(await res.json()).toEqual(report);
    expect(engine.calls[0]).toEqual(['pruneImages', [{ dangling: ['true'] }]]);
  });

  it('/system/df answers the engine\'s usage', async () => {
    const usage = { LayersSize: 1982333, Images: capturedJson('images')[0] as ImageSummary[], Containers: [], Volumes: [], BuildCache: null, BuilderSize: 0 };
    const { app } = appWith({ diskUsage: async () => usage });
    expect(await (await app.request('/v1.41/system/df')).json()).toEqual(usage);
  });
});
