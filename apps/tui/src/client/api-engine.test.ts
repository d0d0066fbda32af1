// The Docker API client of the app against a real stratad started here (and, for the image
// list, a private real dockerd): the same calls the embedded engine answers, over the socket.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStrataError, type EngineEvent } from '@strata/core';
import { fixtureArchive } from '../testing/fixture-archive.js';
import { startStratad, stratadUnavailable, type Stratad } from '../testing/stratad-process.js';
import { openEngineSource } from '../cli/engine-source.js';
import { ApiEngine } from './api-engine.js';
import { readJson, send } from './api-transport.js';

const fetchJson = async (socket: string, method: string, path: string, json: unknown): Promise<{ Name: string }> =>
  readJson(await send({ kind: 'unix', path: socket }, { method, path, json }));

const whiteoutId = 'sha256:07019df820f5879d03be94bb3657e4fa5c7dc9a78498f27c3bd7fe88f31ac291';
const containersSkip = process.getuid?.() !== 0 ? 'containers need root' : undefined;

describe.skipIf(stratadUnavailable() !== undefined)('ApiEngine against a real stratad', () => {
  let stratad: Stratad;
  let engine: ApiEngine;
  beforeAll(async () => {
    stratad = await startStratad();
    engine = new ApiEngine({ kind: 'unix', path: stratad.socket });
  }, 60_000);
  afterAll(async () => {
    await stratad?.dispose();
  }, 30_000);

  it('loads an archive with progress, lists, inspects, tags and removes images, and streams their events', async () => {
    const abort = new AbortController();
    const seen: EngineEvent[] = [];
    const following = (async () => {
      for await (const e of engine.events({ signal: abort.signal, filters: { type: ['image'] } })) seen.push(e);
    })();
    const progress: string[] = [];
    const loaded = await engine.loadImages(fixtureArchive('02-whiteout'), { onProgress: (m) => m.stream && progress.push(m.stream) });
    expect(loaded.messages).toEqual(['Loaded image: fixture/02-whiteout:v1']);
    expect(progress).toContain('Loaded image: fixture/02-whiteout:v1\n');

    const images = await engine.listImages();
    expect(images.map((i) => [i.Id, i.RepoTags])).toEqual([[whiteoutId, ['fixture/02-whiteout:v1']]]);
    expect((await engine.inspectImage('fixture/02-whiteout:v1')).RootFS.Layers).toHaveLength(3);
    const history = await engine.imageHistory('fixture/02-whiteout:v1');
    expect(history.map((h) => h.Id)).toEqual([whiteoutId, '<missing>', '<missing>']);
    expect(history[0].CreatedBy).toContain('rm /bin/httpd');

    await engine.tagImage('fixture/02-whiteout:v1', 'other/name', 'v2');
    expect((await engine.inspectImage('other/name:v2')).Id).toBe(whiteoutId);
    expect(await engine.removeImage('other/name:v2')).toEqual([{ Untagged: 'other/name:v2' }]);

    const missing = await engine.inspectImage('nope:1').catch((e: unknown) => e);
    expect(isStrataError(missing, 'not-found')).toBe(true);
    expect((missing as Error).message).toContain('No such image: nope:1');

    while (!seen.some((e) => e.Action === 'untag')) await new Promise((r) => setTimeout(r, 20));
    abort.abort();
    await following;
    // stratad announces a load and then the tag it set, as dockerd does.
    expect(seen.map((e) => e.Action)).toEqual(['load', 'tag', 'tag', 'untag']);
  });

  it("answers stratad's layer analysis and disk usage", async () => {
    const report = await engine.analyzeImage('fixture/02-whiteout:v1');
    expect(report.layers ?? report).toBeTruthy();
    expect(JSON.stringify(report)).toContain('remove-me.txt');
    const df = await engine.diskUsage();
    expect(df.Images.map((i) => i.Id)).toEqual([whiteoutId]);
  });

  it('lists, inspects and removes volumes', async () => {
    const created = await fetchJson(stratad.socket, 'POST', '/volumes/create', { Name: 'tui-data' });
    expect(created.Name).toBe('tui-data');
    expect((await engine.listVolumes()).Volumes.map((v) => v.Name)).toContain('tui-data');
    expect((await engine.inspectVolume('tui-data')).Driver).toBe('local');
    expect(await engine.volumeUsers('tui-data')).toEqual([]);
    await engine.removeVolume('tui-data');
    await expect(engine.inspectVolume('tui-data')).rejects.toThrow(/no such volume/i);
  });

  it('becomes the client of the stratad that owns the data root instead of failing', async () => {
    const source = await openEngineSource({ dataRoot: stratad.dataRoot });
    expect(source.description).toBe(`data root ${stratad.dataRoot} is owned by process ${stratad.pid}: client of unix://${stratad.socket}`);
    expect((await source.engine.listImages()).map((i) => i.Id)).toEqual([whiteoutId]);
    await source.close();
  });

  it.skipIf(containersSkip !== undefined)('creates, starts, follows logs of, tops, stops and removes a container', async () => {
    await engine.loadImages(fixtureArchive('01-base'));
    const { Id } = await engine.createContainer({ Image: 'busybox:local', Cmd: ['sh', '-c', 'echo out; echo err >&2; exec sleep 60'], StopTimeout: 1 }, { name: 'tui-client' });
    try {
      await engine.startContainer('tui-client');
      const started = await engine.startContainer('tui-client').catch((e: unknown) => e);
      expect(isStrataError(started, 'not-modified')).toBe(true);
      const listed = await engine.listContainers({ all: true });
      expect(listed.find((c) => c.Id === Id)?.State).toBe('running');

      const abort = new AbortController();
      const { tty, records } = await engine.containerLogs('tui-client', { follow: true, signal: abort.signal });
      expect(tty).toBe(false);
      const got: string[] = [];
      for await (const r of records) {
        got.push(`${r.stream}:${new TextDecoder().decode(r.bytes)}`);
        if (got.length === 2) abort.abort();
      }
      expect(got.sort()).toEqual(['stderr:err\n', 'stdout:out\n']);

      const top = await engine.topContainer('tui-client');
      expect(top.Titles).toContain('PID');
      expect(top.Processes.some((p) => p.join(' ').includes('sleep 60'))).toBe(true);
      await engine.stopContainer('tui-client', { timeout: 1 });
      expect((await engine.inspectContainer('tui-client')).State).toMatchObject({ Running: false });
    } finally {
      await engine.removeContainer(Id, { force: true });
    }
    const gone = await engine.inspectContainer(Id).catch((e: unknown) => e);
    expect((gone as Error).message).toBe(`No such container: ${Id}`);
  }, 60_000);
});

describe('ApiEngine without a daemon', () => {
  it("says the daemon does not answer, in docker's words", async () => {
    const engine = new ApiEngine({ kind: 'unix', path: '/nonexistent/strata.sock' });
    await expect(engine.ping()).rejects.toThrow('Cannot connect to the Docker daemon at unix:///nonexistent/strata.sock. Is the docker daemon running?');
  });
});
