import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEngine } from '@strata/core';
import { memoryPorts } from '@strata/storage';
import { describe, expect, it } from 'vitest';
import { createApp } from '../app.js';
import { fixturesDir } from '../captureFixtures.js';

const archive = (name: string) => new Blob([readFileSync(join(fixturesDir, 'images', name, 'image.tar'))]).stream();

describe('GET /_strata/images/{name}/analysis', () => {
  it('answers the engine analysis for names with / and :, 404 for unknown images, and diffs', async () => {
    const engine = createEngine(memoryPorts());
    await engine.loadImages(archive('01-base'));
    await engine.loadImages(archive('03-opaque'));
    const app = createApp(engine, { dataRoot: '/tmp/strata-root' });
    const res = await app.request('/_strata/images/fixture/03-opaque:v1/analysis?top=3');
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toEqual(JSON.parse(JSON.stringify(await engine.analyzeImage('fixture/03-opaque:v1', { top: 3 }))));
    expect(body.dive.wastedBytes).toBe(8);
    expect(body.honest.baseSource).toBe('image:busybox:local');
    expect(body.largestFiles).toHaveLength(3);

    const missing = await app.request('/_strata/images/nope:1/analysis');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ message: 'No such image: nope:1' });
    expect((await app.request('/_strata/images/busybox:local/analysis?top=x')).status).toBe(400);

    const diff = await (await app.request('/_strata/images/busybox:local/diff?to=fixture/03-opaque:v1')).json();
    expect(diff.map((d: { change: string; path: string }) => `${d.change} ${d.path}`)).toEqual(['added config', 'added config/c.conf', 'added contrast', 'added contrast/c.conf']);
  });
});
