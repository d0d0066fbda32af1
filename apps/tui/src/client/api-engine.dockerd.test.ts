// The app's Docker API client against a private real dockerd (the server's test helper: own
// socket, data root and mount namespace): what the Images panel shows comes out of dockerd as it does out of stratad.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerdUnavailable, startDockerd, type Dockerd } from '../../../server/src/testing/dockerd.js';
import { imageCells, imageRows } from '../model/image-rows.js';
import { fixtureArchive } from '../testing/fixture-archive.js';
import { ApiEngine } from './api-engine.js';

const unavailable = dockerdUnavailable();

describe.skipIf(unavailable !== undefined)(`ApiEngine against a real dockerd${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let dockerd: Dockerd | undefined;
  let skip = '';
  beforeAll(async () => {
    const started = await startDockerd();
    if ('skip' in started) skip = started.skip;
    else dockerd = started;
  }, 90_000);
  afterAll(async () => {
    await dockerd?.stop();
  }, 60_000);

  it('loads an archive and lists, inspects and tags it as the Images panel needs', async (ctx) => {
    if (!dockerd) return ctx.skip(skip);
    const engine = new ApiEngine({ kind: 'unix', path: dockerd.socket });
    await engine.ping();
    const loaded = await engine.loadImages(fixtureArchive('05-perms'));
    expect(loaded.messages).toEqual(['Loaded image: fixture/05-perms:v1']);
    await engine.tagImage('fixture/05-perms:v1', 'again', 'v2');
    const rows = imageRows(await engine.listImages());
    const created = Date.parse('2026-11-22T14:17:05Z');
    expect(rows.map((r) => imageCells(r, created).slice(0, 3)).sort()).toEqual([
      ['again', 'v2', '4eeb85fd8a77'],
      ['fixture/05-perms', 'v1', '4eeb85fd8a77'],
    ]);
    const inspect = await engine.inspectImage('again:v2');
    expect(inspect.Id).toBe(rows[0].imageId);
    expect((await engine.imageHistory('again:v2')).length).toBeGreaterThan(1);
    const missing = await engine.inspectImage('nope:1').catch((e: Error) => e);
    expect((missing as Error).message).toBe('no such image: nope:1: No such image: nope:1');
    // strata's own analysis is not part of the Docker API: dockerd says so and the app shows it.
    await expect(engine.analyzeImage('again:v2')).rejects.toThrow();
  }, 90_000);
});
