import { describe, expect, it } from 'vitest';
import type { ImageEngine } from '@strata/core';
import { createApp } from '../app.js';
import { capturedJson, capturedRequests, readCapture } from '../captureFixtures.js';
import { fakeImageEngine } from '../fakeImageEngine.js';
import { scriptedContainers, type ScriptedContainers } from '../testing/scriptedContainers.js';

/** The create body the CLI sent in a capture (the JSON line after the create request). */
const createBodyOf = (capture: string) => (capturedJson(capture) as Array<Record<string, unknown>>).find((v) => 'HostConfig' in v)!;

function setup(): { app: ReturnType<typeof createApp>; engine: ScriptedContainers } {
  const engine = scriptedContainers();
  const app = createApp(Object.assign(fakeImageEngine({}), engine) as ImageEngine, { dataRoot: '/tmp/strata-root' });
  return { app, engine };
}

const post = (app: ReturnType<typeof createApp>, path: string, body?: unknown) =>
  app.request(path, { method: 'POST', body: body === undefined ? undefined : JSON.stringify(body) + '\n', headers: body === undefined ? {} : { 'Content-Type': 'application/json' } });

async function created(app: ReturnType<typeof createApp>, capture = 'run_d', name = 'web'): Promise<string> {
  const res = await post(app, `/v1.41/containers/create?name=${name}`, createBodyOf(capture));
  expect(res.status).toBe(201);
  return ((await res.json()) as { Id: string }).Id;
}

describe('POST /containers/create', () => {
  it('answers 201 {Id, Warnings: []} like dockerd in run_d', async () => {
    const { app } = setup();
    const res = await post(app, '/v1.41/containers/create?name=web', createBodyOf('run_d'));
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toBe('application/json');
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(Object.keys(capturedJson('run_d').find((v) => (v as Record<string, unknown>).Warnings !== undefined) as object));
    expect(body.Warnings).toEqual([]);
    expect(body.Id).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses no command with 400 and dockerd\'s text (the CLI exits 125 from it)', async () => {
    const { app } = setup();
    const res = await post(app, '/v1.41/containers/create', createBodyOf('run_nocmd_err'));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual(capturedJson('run_nocmd_err').at(-1));
  });

  it('answers a missing image with 404 (the CLI then pulls and retries)', async () => {
    const { app } = setup();
    const res = await post(app, '/v1.41/containers/create', { ...createBodyOf('run_d'), Image: 'nosuch' });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ message: 'No such image: nosuch' });
  });

  it('refuses a name in use with 409', async () => {
    const { app } = setup();
    const id = await created(app);
    const res = await post(app, '/v1.41/containers/create?name=web', createBodyOf('run_d'));
    expect(res.status).toBe(409);
    expect(((await res.json()) as { message: string }).message).toContain(`The container name "/web" is already in use by container "${id}"`);
  });

  it('refuses an empty or broken body with 400', async () => {
    const { app } = setup();
    expect((await app.request('/containers/create', { method: 'POST' })).status).toBe(400);
    const broken = await app.request('/containers/create', { method: 'POST', body: '{"Image":', headers: { 'Content-Type': 'application/json' } });
    expect(broken.status).toBe(400);
  });
});

describe('lifecycle statuses as in the captures', () => {
  it('start 204, start again 304 with an empty body', async () => {
    const { app } = setup();
    await created(app);
    const [start] = capturedRequests('start_already_running');
    expect(start).toBe('POST /v1.41/containers/web/start');
    const first = await post(app, '/v1.41/containers/web/start');
    expect(first.status).toBe(204);
    expect(await first.text()).toBe('');
    const again = await post(app, '/v1.41/containers/web/start');
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
  });

  it('stop 204, stop of a stopped one 304; kill of a stopped one 409 with dockerd\'s text', async () => {
    const { app } = setup();
    const id = await created(app);
    await post(app, '/containers/web/start');
    expect((await post(app, '/v1.41/containers/web/stop?t=2')).status).toBe(204);
    expect((await post(app, '/v1.41/containers/web/stop')).status).toBe(304);
    const kill = await post(app, '/v1.41/containers/web/kill');
    expect(kill.status).toBe(409);
    const dockerd = capturedJson('kill_not_running_err').at(-1) as { message: string };
    expect(await kill.json()).toEqual({ message: dockerd.message.replace(/[0-9a-f]{64}/, id) });
  });

  it('kill passes the signal; pause twice is 409; rm of a running one is 409, rm -f 204', async () => {
    const { app, engine } = setup();
    const id = await created(app);
    await post(app, '/containers/web/start');
    expect((await post(app, '/v1.41/containers/web/kill?signal=SIGUSR1')).status).toBe(204);
    expect(engine.signals).toEqual(['SIGUSR1']);
    expect((await post(app, '/v1.41/containers/web/pause')).status).toBe(204);
    const again = await post(app, '/v1.41/containers/web/pause');
    expect(again.status).toBe(409);
    expect(await again.json()).toEqual({ message: (capturedJson('pause_again_err').at(-1) as { message: string }).message.replace(/[0-9a-f]{64}/, id) });
    expect((await post(app, '/v1.41/containers/web/unpause')).status).toBe(204);
    const rm = await app.request('/v1.41/containers/web', { method: 'DELETE' });
    expect(rm.status).toBe(409);
    expect(await rm.json()).toEqual({ message: (capturedJson('rm_running_err').at(-1) as { message: string }).message.replace(/[0-9a-f]{64}/, id) });
    const rmf = await app.request('/v1.41/containers/web?force=1', { method: 'DELETE' });
    expect(rmf.status).toBe(204);
    expect(await rmf.text()).toBe('');
    expect((await app.request('/v1.41/containers/web/json')).status).toBe(404);
  });

  it('rename 204; unknown names 404 with dockerd\'s text', async () => {
    const { app } = setup();
    await created(app, 'run_d', 'st');
    expect((await post(app, '/v1.41/containers/st/rename?name=st2')).status).toBe(204);
    expect((await app.request('/v1.41/containers/st2/json')).status).toBe(200);
    const missing = await post(app, '/v1.41/containers/nosuch/start');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual(capturedJson('start_notfound').at(-1));
  });

  it('ps lists with all/limit; top answers dockerd\'s shape', async () => {
    const { app } = setup();
    await created(app, 'run_d', 'a');
    await created(app, 'run_d', 'b');
    await post(app, '/containers/b/start');
    expect(((await (await app.request('/v1.41/containers/json')).json()) as unknown[]).length).toBe(1);
    expect(((await (await app.request('/v1.41/containers/json?all=1')).json()) as unknown[]).length).toBe(2);
    expect(((await (await app.request('/v1.41/containers/json?all=1&limit=1')).json()) as unknown[]).length).toBe(1);
    const bad = await app.request('/v1.41/containers/json?filters=nope');
    expect(bad.status).toBe(400);
    const top = (await (await app.request('/v1.41/containers/b/top')).json()) as { Titles: string[] };
    expect(top.Titles).toEqual((capturedJson('top').at(-1) as { Titles: string[] }).Titles);
  });

  it('resize: 200 for a running container, 409 for a stopped one', async () => {
    const { app } = setup();
    const id = await created(app);
    const stopped = await post(app, '/v1.41/containers/web/resize?h=30&w=120');
    expect(stopped.status).toBe(409);
    expect(await stopped.json()).toEqual({ message: `Container ${id} is not running` });
    await post(app, '/containers/web/start');
    expect((await post(app, '/v1.41/containers/web/resize?h=30&w=120')).status).toBe(200);
  });
});

describe('GET /containers/{id}/logs', () => {
  it('sends dockerd\'s frames for docker logs, stdout and stderr apart', async () => {
    const { app, engine } = setup();
    await created(app, 'run_d', 'lg');
    await post(app, '/containers/lg/start');
    engine.output('lg', 'stdout', 'out1\n');
    engine.output('lg', 'stderr', 'err1\n');
    const res = await app.request('/v1.41/containers/lg/logs?stderr=1&stdout=1&tail=all');
    expect(res.status).toBe(200);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes).toEqual(Buffer.from('\x01\x00\x00\x00\x00\x00\x00\x05out1\n\x02\x00\x00\x00\x00\x00\x00\x05err1\n', 'latin1'));
    const onlyErr = Buffer.from(await (await app.request('/v1.41/containers/lg/logs?stderr=1&tail=1&timestamps=1')).arrayBuffer());
    expect(onlyErr[0]).toBe(2);
    expect(onlyErr.subarray(8).toString()).toMatch(/^2026-11-22T14:17:\d\d\.\d{9}Z err1\n$/);
  });

  it('refuses no stream with 400 and a bad since with 400; unknown container 404', async () => {
    const { app } = setup();
    await created(app, 'run_d', 'lg');
    expect((await app.request('/v1.41/containers/lg/logs')).status).toBe(400);
    expect((await app.request('/v1.41/containers/lg/logs?stdout=1&since=yesterday')).status).toBe(400);
    expect((await app.request('/v1.41/containers/nosuch/logs?stdout=1')).status).toBe(404);
  });

  it('with follow=1 streams until the process exits', async () => {
    const { app, engine } = setup();
    await created(app, 'run_d', 'lg');
    await post(app, '/containers/lg/start');
    engine.output('lg', 'stdout', 'before\n');
    const res = await app.request('/v1.41/containers/lg/logs?stdout=1&stderr=1&follow=1');
    const reader = res.body!.getReader();
    expect(Buffer.from((await reader.read()).value!).subarray(8).toString()).toBe('before\n');
    engine.output('lg', 'stderr', 'later\n');
    const later = Buffer.from((await reader.read()).value!);
    expect([later[0], later.subarray(8).toString()]).toEqual([2, 'later\n']);
    engine.exit('lg', 0);
    expect((await reader.read()).done).toBe(true);
  });
});

describe('POST /containers/{id}/wait', () => {
  it('answers 404 for an unknown container and 400 for an unknown condition', async () => {
    const { app } = setup();
    await created(app);
    expect((await post(app, '/v1.41/containers/nosuch/wait')).status).toBe(404);
    const bad = await post(app, '/v1.41/containers/web/wait?condition=soon');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ message: 'invalid condition: "soon"' });
  });

  it('gives the response before the exit and the body at exit, in dockerd\'s form', async () => {
    const { app, engine } = setup();
    await created(app, 'run_w1', 'w1');
    const res = await post(app, '/v1.41/containers/w1/wait?condition=next-exit');
    // The status is known while the process has not even started: the CLI sends /start only now.
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    await post(app, '/containers/w1/start');
    engine.exit('w1', 3);
    expect(await res.text()).toBe(readCapture('wait').match(/\{"Error":null,"StatusCode":3\}\\n/)![0].replace('\\n', '\n'));
  });

  it('of a stopped container without condition answers at once (docker wait)', async () => {
    const { app, engine } = setup();
    await created(app, 'run_w1', 'w1');
    await post(app, '/containers/w1/start');
    engine.exit('w1', 3);
    expect(await (await post(app, '/v1.41/containers/w1/wait')).json()).toEqual({ Error: null, StatusCode: 3 });
  });
});

describe('without a container side', () => {
  it('lists no containers and answers 404 for one, so docker inspect moves on', async () => {
    const app = createApp(fakeImageEngine({}), { dataRoot: '/tmp/strata-root' });
    expect(await (await app.request('/v1.41/containers/json')).json()).toEqual([]);
    expect((await app.request('/v1.41/containers/busybox:local/json')).status).toBe(404);
  });
});
