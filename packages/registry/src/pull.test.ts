// The engine's pull use case over memory stores and the real registry client, against docker-registry.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Engine, type ProgressMessage, createEngine } from '@strata/core';
import { memoryPorts } from '@strata/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRegistry, startLocalRegistry } from './local-registry.js';
import { RegistryClient } from './registry-client.js';
import { startRegistryProxy } from './registry-proxy.js';

const fixtures = join(import.meta.dirname, '../../../../shared/fixtures/images');
const inspectOf = (name: string) => JSON.parse(readFileSync(join(fixtures, name, 'inspect.json'), 'utf8'))[0] as { Id: string; Size: number; RootFS: { Layers: string[] } };

function skopeoPush(fixture: string, dest: string): void {
  execFileSync('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `docker-archive:${join(fixtures, fixture, 'image.tar')}`, `docker://${dest}`], { stdio: 'pipe' });
}

/** The manifest digest and layer blob digests skopeo pushed, as the registry reports them. */
function remoteManifest(ref: string): { digest: string; layers: string[] } {
  const raw = execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${ref}`]);
  const digest = `sha256:${createHash('sha256').update(raw).digest('hex')}`;
  return { digest, layers: (JSON.parse(raw.toString()) as { layers: Array<{ digest: string }> }).layers.map((l) => l.digest) };
}

const short = (d: string) => d.slice(7, 19);

/** The lines `docker pull` prints when stdout is not a terminal (progress-bar messages are skipped). */
const cliLines = (messages: ProgressMessage[]): string[] => messages.filter((m) => !m.progress).map((m) => (m.id ? `${m.id}: ${m.status}` : (m.status ?? "")));

async function pull(engine: Engine, name: string): Promise<{ lines: string[]; messages: ProgressMessage[] }> {
  const messages: ProgressMessage[] = [];
  await engine.pullImage(name, { onProgress: (m) => messages.push(m) });
  return { lines: cliLines(messages), messages };
}

describe('pullImage', () => {
  let registry: LocalRegistry;
  beforeAll(async () => {
    registry = await startLocalRegistry();
    skopeoPush('01-base', `${registry.host}/busybox:local`);
    skopeoPush('02-whiteout', `${registry.host}/fixture/02-whiteout:v1`);
  }, 60_000);
  afterAll(async () => {
    await registry?.stop();
  });

  it("pulls, says what dockerd says, records the tag and the RepoDigest; a second pull is up to date", async () => {
    const engine = createEngine({ ...memoryPorts(), registry: new RegistryClient() });
    const remote = remoteManifest(`${registry.host}/busybox:local`);
    const layer = short(remote.layers[0]);
    const first = await pull(engine, `${registry.host}/busybox:local`);
    expect(first.lines).toEqual([
      'local: Pulling from busybox',
      `${layer}: Pulling fs layer`,
      `${layer}: Download complete`,
      `${layer}: Pull complete`,
      `Digest: ${remote.digest}`,
      `Status: Downloaded newer image for ${registry.host}/busybox:local`,
    ]);
    const downloading = first.messages.filter((m) => m.status === 'Downloading');
    expect(downloading.length).toBeGreaterThan(0);
    const total = downloading[0].progressDetail!.total!;
    expect(downloading.at(-1)!.progressDetail).toEqual({ current: total, total });
    expect(downloading.at(-1)!.progress).toMatch(/^\[={50}>\] +[\d.]+[kM]B\/[\d.]+[kM]B$/);

    const inspect = await engine.inspectImage(`${registry.host}/busybox:local`);
    const fixture = inspectOf('01-base');
    expect(inspect.Id).toBe(fixture.Id);
    expect(inspect.Size).toBe(fixture.Size);
    expect(inspect.RootFS.Layers).toEqual(fixture.RootFS.Layers);
    expect(inspect.RepoTags).toEqual([`${registry.host}/busybox:local`]);
    expect(inspect.RepoDigests).toEqual([`${registry.host}/busybox@${remote.digest}`]);
    // The registry's manifest is what the store keeps, so the repo digest names a local blob.
    expect(await engine.ports.content.has(remote.digest)).toBe(true);

    const again = await pull(engine, `${registry.host}/busybox:local`);
    expect(again.lines).toEqual(['local: Pulling from busybox', `Digest: ${remote.digest}`, `Status: Image is up to date for ${registry.host}/busybox:local`]);

    await engine.tagImage(`${registry.host}/busybox:local`, `${registry.host}/busybox`, 'old');
    await engine.removeImage(`${registry.host}/busybox:local`);
    const retag = await pull(engine, `${registry.host}/busybox:local`);
    expect(retag.lines).toEqual(['local: Pulling from busybox', `Digest: ${remote.digest}`, `Status: Downloaded newer image for ${registry.host}/busybox:local`]);

    const byDigest = await pull(engine, `${registry.host}/busybox@${remote.digest}`);
    expect(byDigest.lines).toEqual([`${remote.digest}: Pulling from busybox`, `Digest: ${remote.digest}`, `Status: Image is up to date for ${registry.host}/busybox@${remote.digest}`]);
  });

  it('says Already exists for layers the store has by diffID and fetches only the others', async () => {
    const engine = createEngine({ ...memoryPorts(), registry: new RegistryClient() });
    await engine.pullImage(`${registry.host}/busybox:local`);
    const remote = remoteManifest(`${registry.host}/fixture/02-whiteout:v1`);
    const { lines } = await pull(engine, `${registry.host}/fixture/02-whiteout:v1`);
    const fixture = inspectOf('02-whiteout');
    expect(fixture.RootFS.Layers[0]).toBe(inspectOf('01-base').RootFS.Layers[0]);
    const [l0, l1, l2] = remote.layers.map(short);
    expect(lines.slice(0, 4)).toEqual(['v1: Pulling from fixture/02-whiteout', `${l0}: Already exists`, `${l1}: Pulling fs layer`, `${l2}: Pulling fs layer`]);
    expect(lines.filter((l) => l.endsWith('Pull complete'))).toEqual([`${l1}: Pull complete`, `${l2}: Pull complete`]);
    expect(lines.slice(-2)).toEqual([`Digest: ${remote.digest}`, `Status: Downloaded newer image for ${registry.host}/fixture/02-whiteout:v1`]);
    expect((await engine.inspectImage(`${registry.host}/fixture/02-whiteout:v1`)).Id).toBe(fixture.Id);
  });

  it("fails with dockerd's message for a missing tag and emits nothing", async () => {
    const engine = createEngine({ ...memoryPorts(), registry: new RegistryClient() });
    const messages: ProgressMessage[] = [];
    await expect(engine.pullImage(`${registry.host}/nope`, { onProgress: (m) => messages.push(m) })).rejects.toThrow(
      `manifest for ${registry.host}/nope:latest not found: manifest unknown: manifest unknown`,
    );
    expect(messages).toEqual([]);
  });

  it('leaves the store as it was when a layer does not match its digest', async () => {
    const ports = memoryPorts();
    const engine = createEngine({ ...ports, registry: new RegistryClient() });
    await engine.pullImage(`${registry.host}/busybox:local`);
    const blobsBefore = (await ports.content.list()).sort();
    const tagsBefore = await engine.listImages();
    const remote = remoteManifest(`${registry.host}/fixture/02-whiteout:v1`);
    // The last layer is corrupted; the middle one arrives intact and must not stay behind either.
    const proxy = await startRegistryProxy(registry.port, (path) => (path.endsWith(remote.layers[2]) ? 'corrupt' : 'pass'));
    try {
      await expect(engine.pullImage(`${proxy.host}/fixture/02-whiteout:v1`)).rejects.toThrow(`filesystem layer verification failed for digest ${remote.layers[2]}`);
    } finally {
      await proxy.close();
    }
    expect((await ports.content.list()).sort()).toEqual(blobsBefore);
    expect(await engine.listImages()).toEqual(tagsBefore);
  });
});
