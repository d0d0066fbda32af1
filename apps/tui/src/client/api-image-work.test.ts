// The app's Images/Volumes/Disk-usage work in client mode: ApiEngine against a real stratad
// started here (and a real docker-registry on 127.0.0.1 for the pull), the same calls the
// embedded engine answers, over the socket.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, readTar, type BuildEvent, type ProgressMessage } from '@strata/core';
import { memoryPorts } from '@strata/storage';
import { dockerRegistryBinary, startLocalRegistry, type LocalRegistry } from '@strata/registry';
import { fixtureArchive, fixtureArchivePath } from '../testing/fixture-archive.js';
import { startStratad, stratadUnavailable, type Stratad } from '../testing/stratad-process.js';
import { nodeHostFiles } from '../cli/host-files.js';
import { ApiEngine } from './api-engine.js';

const OPAQUE_ID = 'sha256:6072ed8ff5d50f4fd98e0f96e33d6a9cb18c18b6e56cfc762ce66e2011d3e72d';
const whiteoutId = 'sha256:07019df820f5879d03be94bb3657e4fa5c7dc9a78498f27c3bd7fe88f31ac291';
const registryMissing = !existsSync(dockerRegistryBinary) ? `${dockerRegistryBinary} is not installed` : !existsSync('/usr/bin/skopeo') ? 'skopeo is not installed (it pushes the fixture)' : undefined;

describe.skipIf(stratadUnavailable() !== undefined)('image work over the Docker API against a real stratad', () => {
  let stratad: Stratad;
  let engine: ApiEngine;
  let dir: string;
  beforeAll(async () => {
    stratad = await startStratad();
    engine = new ApiEngine({ kind: 'unix', path: stratad.socket });
    dir = await mkdtemp(join(tmpdir(), 'strata-tui-api-work-'));
    await engine.loadImages(fixtureArchive('02-whiteout'));
  }, 60_000);
  afterAll(async () => {
    await stratad?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 30_000);

  it('builds over POST /build: the classic step log comes back as build events, the second time from the cache', async () => {
    const context = join(dir, 'context');
    execFileSync('mkdir', ['-p', context]);
    await writeFile(join(context, 'Dockerfile'), 'FROM fixture/02-whiteout:v1\nCOPY note.txt /note.txt\nLABEL made=here\n');
    await writeFile(join(context, 'note.txt'), 'a note\n');
    const files = nodeHostFiles(process.stdin);
    const events: BuildEvent[] = [];
    const id = await engine.buildImage(await files.packContext(context, 'Dockerfile'), { dockerfile: 'Dockerfile', tags: ['api-built:v1'] }, (e) => events.push(e));
    expect(events.filter((e) => e.kind === 'step').map((e) => (e as { instruction: string }).instruction)).toEqual(['FROM fixture/02-whiteout:v1', 'COPY note.txt /note.txt', 'LABEL made=here']);
    expect(events.some((e) => e.kind === 'tagged' && e.name === 'api-built:v1')).toBe(true);
    expect((await engine.inspectImage('api-built:v1')).Id).toBe(id);
    const again: BuildEvent[] = [];
    expect(await engine.buildImage(await files.packContext(context, 'Dockerfile'), { tags: ['api-built:v2'] }, (e) => again.push(e))).toBe(id);
    expect(again.filter((e) => e.kind === 'cache')).toHaveLength(2);
  });

  it('saves over GET /images/get: the archive loads back as the same image', async () => {
    const archive = await engine.saveImages(['fixture/02-whiteout:v1']);
    const other = createEngine(memoryPorts());
    const loaded = await other.loadImages(archive);
    expect(loaded.imageIds).toEqual([whiteoutId]);
    await other.close();
  });

  it('creates and prunes volumes, and prunes dangling images; /build/prune is dockerd-only', async () => {
    expect((await engine.createVolume({ Name: 'api-made' })).Name).toBe('api-made');
    const pruned = await engine.pruneVolumes();
    expect(pruned.VolumesDeleted).toEqual(['api-made']);
    const images = await engine.pruneImages({ dangling: ['true'] });
    expect(images.SpaceReclaimed).toBeGreaterThanOrEqual(0);
    expect((await engine.listImages()).some((i) => i.Id === whiteoutId)).toBe(true);
    await expect(engine.pruneBuildCache()).rejects.toThrow();
  });

  it.skipIf(process.getuid?.() !== 0 || !existsSync('/usr/sbin/runc') || !existsSync('/usr/bin/conmon'))('reads a file of an image through a created container (GET /containers/{id}/archive)', async () => {
    const created = await engine.createContainer({ Image: 'fixture/02-whiteout:v1', Cmd: ['/x'] });
    try {
      const { stat, archive } = await engine.archiveContainerPath(created.Id, '/data/keep.txt');
      expect(stat.name).toBe('keep.txt');
      for await (const entry of readTar(archive)) {
        expect(entry.path).toBe('keep.txt');
        expect(new TextDecoder().decode(await new Response(entry.body).arrayBuffer())).toBe('keep\n');
      }
    } finally {
      await engine.removeContainer(created.Id, { force: true });
    }
  });

  describe.skipIf(registryMissing !== undefined)('pull', () => {
    let registry: LocalRegistry;
    beforeAll(async () => {
      registry = await startLocalRegistry();
      execFileSync('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `docker-archive:${fixtureArchivePath('03-opaque')}`, `docker://${registry.host}/fixture/03-opaque:v1`], { stdio: 'pipe' });
    }, 60_000);
    afterAll(async () => {
      await registry?.stop();
    });

    it('pulls over POST /images/create with per-layer progress, and a second pull is up to date', async () => {
      const messages: ProgressMessage[] = [];
      const first = await engine.pullImage(`${registry.host}/fixture/03-opaque:v1`, { onProgress: (m) => messages.push(m) });
      expect(first.upToDate).toBe(false);
      expect(first.name).toBe(`${registry.host}/fixture/03-opaque:v1`);
      expect(first.id).toBe(OPAQUE_ID);
      // The busybox layer came with the loaded fixture; the others are downloaded.
      expect(messages.filter((m) => m.status === 'Already exists')).toHaveLength(1);
      expect(first.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(messages.some((m) => m.status === 'Downloading' && (m.progressDetail?.total ?? 0) > 0)).toBe(true);
      expect(messages.some((m) => m.status === 'Pull complete')).toBe(true);
      const second = await engine.pullImage(`${registry.host}/fixture/03-opaque:v1`);
      expect(second.upToDate).toBe(true);
      await expect(engine.pullImage(`${registry.host}/fixture/03-opaque:absent`)).rejects.toThrow(/not found|unknown/i);
    });
  });
});
