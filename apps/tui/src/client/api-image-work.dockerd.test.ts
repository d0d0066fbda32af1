// The app's Images/Volumes/Disk-usage work against a private real dockerd (the server's test
// helper): the classic builder's stream read back as build events, save, volume and build-cache
// prunes and a pull from a real docker-registry on 127.0.0.1, as dockerd answers them.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type BuildEvent, type ProgressMessage } from '@strata/core';
import { memoryPorts } from '@strata/storage';
import { dockerRegistryBinary, startLocalRegistry, type LocalRegistry } from '@strata/registry';
import { dockerdUnavailable, startDockerd, type Dockerd } from '../../../server/src/testing/dockerd.js';
import { fixtureArchive, fixtureArchivePath } from '../testing/fixture-archive.js';
import { nodeHostFiles } from '../cli/host-files.js';
import { ApiEngine } from './api-engine.js';

const unavailable = dockerdUnavailable() ?? (!existsSync(dockerRegistryBinary) ? `${dockerRegistryBinary} is not installed` : !existsSync('/usr/bin/skopeo') ? 'skopeo is not installed (it pushes the fixture)' : undefined);
const perms = 'sha256:4eeb85fd8a77';

describe.skipIf(unavailable !== undefined)(`image work against a real dockerd${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let dockerd: Dockerd | undefined;
  let registry: LocalRegistry | undefined;
  let dir = '';
  let skip = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'strata-tui-dockerd-work-'));
    const started = await startDockerd();
    if ('skip' in started) skip = started.skip;
    else dockerd = started;
    registry = await startLocalRegistry();
    execFileSync('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `docker-archive:${fixtureArchivePath('03-opaque')}`, `docker://${registry.host}/fixture/03-opaque:v1`], { stdio: 'pipe' });
  }, 120_000);
  afterAll(async () => {
    await dockerd?.stop();
    await registry?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it('builds, saves, pulls with per-layer progress and prunes as dockerd answers', async (ctx) => {
    if (!dockerd) return ctx.skip(skip);
    const engine = new ApiEngine({ kind: 'unix', path: dockerd.socket });
    await engine.loadImages(fixtureArchive('05-perms'));

    // Build: no RUN (dockerd's bridge is off here), so the steps are COPY and metadata.
    await writeFile(join(dir, 'Dockerfile'), 'FROM fixture/05-perms:v1\nCOPY note.txt /note.txt\nLABEL made=here\n');
    await writeFile(join(dir, 'note.txt'), 'a note\n');
    const files = nodeHostFiles(process.stdin);
    const events: BuildEvent[] = [];
    const id = await engine.buildImage(await files.packContext(dir, 'Dockerfile'), { dockerfile: 'Dockerfile', tags: ['tui-built:v1'] }, (e) => events.push(e));
    expect(events.filter((e) => e.kind === 'step').map((e) => (e as { instruction: string }).instruction)).toEqual(['FROM fixture/05-perms:v1', 'COPY note.txt /note.txt', 'LABEL made=here']);
    expect(events.some((e) => e.kind === 'tagged' && e.name === 'tui-built:v1')).toBe(true);
    expect((await engine.inspectImage('tui-built:v1')).Id).toBe(id);
    const again: BuildEvent[] = [];
    expect(await engine.buildImage(await files.packContext(dir, 'Dockerfile'), { tags: ['tui-built:v2'] }, (e) => again.push(e))).toBe(id);
    expect(again.filter((e) => e.kind === 'cache')).toHaveLength(2);

    // Save: dockerd's archive loads into strata as the same image.
    const other = createEngine(memoryPorts());
    expect((await other.loadImages(await engine.saveImages(['fixture/05-perms:v1']))).imageIds[0]).toMatch(new RegExp(`^${perms}`));
    await other.close();

    // Pull: dockerd's progress messages carry a row per layer.
    const messages: ProgressMessage[] = [];
    const pulled = await engine.pullImage(`${registry!.host}/fixture/03-opaque:v1`, { onProgress: (m) => messages.push(m) });
    expect(pulled.id).toBe('sha256:6072ed8ff5d50f4fd98e0f96e33d6a9cb18c18b6e56cfc762ce66e2011d3e72d');
    expect(pulled.upToDate).toBe(false);
    // Every one of the three layers ends its row (dockerd downloads the busybox layer it loaded
    // from an archive again: it knows loaded layers by diffID, not by their registry digest).
    const ended = new Set(messages.filter((m) => m.id && (m.status === 'Pull complete' || m.status === 'Already exists')).map((m) => m.id));
    expect(ended.size).toBe(3);
    expect(messages.some((m) => m.status === 'Downloading' && (m.progressDetail?.total ?? 0) > 0)).toBe(true);

    // Volumes and the build cache.
    expect((await engine.createVolume({ Name: 'tui-made' })).Name).toBe('tui-made');
    expect((await engine.pruneVolumes()).VolumesDeleted).toContain('tui-made');
    const cache = await engine.pruneBuildCache();
    expect(cache.SpaceReclaimed).toBeGreaterThanOrEqual(0);
    expect((await engine.pruneImages({ dangling: ['true'] })).SpaceReclaimed).toBeGreaterThanOrEqual(0);
  }, 180_000);
});
