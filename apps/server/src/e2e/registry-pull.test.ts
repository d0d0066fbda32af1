// docker pull through the real docker CLI against stratad, from Debian's docker-registry on loopback.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MediaType, parseNormalizedNamed } from '@strata/core';
import { type LocalRegistry, type RegistryProxy, RegistryClient, startLocalRegistry, startRegistryProxy } from '@strata/registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturesDir } from '../captureFixtures.js';
import { dockerBinary } from '../dockerCli.js';
import { fixtureImage } from './fixtureImages.js';
import { startStratad, type StratadProcess } from './stratadProcess.js';
import { treeListing } from './treeListing.js';

const sha256 = (b: Uint8Array) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const utf8 = (s: string) => new TextEncoder().encode(s);
const short = (d: string) => d.slice(7, 19);

/** What the user saw in a capture: the lines between the `$ docker` line and `[exit=N]`, and N. */
function captured(name: string): { lines: string[]; exit: number } {
  const text = readFileSync(join(fixturesDir, 'docker-api-captures', name), 'utf8');
  const seen = text.split('## what the user saw')[1].split('## wire log')[0].trim().split('\n').slice(2);
  const exit = Number(/\[exit=(\d+)\]/.exec(seen.pop()!)![1]);
  return { lines: seen, exit };
}

function skopeoPush(fixture: string, dest: string): void {
  execFileSync('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `docker-archive:${fixtureImage(fixture).tar}`, `docker://${dest}`], { stdio: 'pipe' });
}

/** The manifest digest and layer digests skopeo pushed. */
function remoteManifest(ref: string): { digest: string; layers: string[] } {
  const raw = execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${ref}`]);
  return { digest: sha256(raw), layers: (JSON.parse(raw.toString()) as { layers: Array<{ digest: string }> }).layers.map((l) => l.digest) };
}

describe.skipIf(!dockerBinary)('docker pull against stratad from a docker-registry on 127.0.0.1', () => {
  let registry: LocalRegistry;
  let daemon: StratadProcess;
  let busybox: { digest: string; layers: string[] };
  beforeAll(async () => {
    registry = await startLocalRegistry();
    skopeoPush('01-base', `${registry.host}/busybox:local`);
    skopeoPush('02-whiteout', `${registry.host}/fixture/02-whiteout:v1`);
    busybox = remoteManifest(`${registry.host}/busybox:local`);
    daemon = await startStratad();
  }, 60_000);
  afterAll(async () => {
    await daemon?.dispose();
    await registry?.stop();
  });

  /** A capture's lines with the capture's registry, layer and digest replaced by this run's. */
  const expected = (capture: string, layer?: string) =>
    captured(capture).lines.map((l) =>
      l
        .replaceAll('127.0.0.1:5000', registry.host)
        .replaceAll('ea98646956a9', layer ?? '')
        .replace(/sha256:f644a19a31fb[0-9a-f]{52}/, busybox.digest),
    );

  it('prints what dockerd printed in pull.txt, then pull_uptodate.txt; images and inspect show the tag and RepoDigest', async () => {
    const first = await daemon.docker(['pull', `${registry.host}/busybox:local`]);
    expect(first.stderr).toBe('');
    expect(first.stdout.trimEnd().split('\n')).toEqual(expected('pull.txt', short(busybox.layers[0])));
    expect(first.code).toBe(captured('pull.txt').exit);

    const again = await daemon.docker(['pull', `${registry.host}/busybox:local`]);
    expect(again.stdout.trimEnd().split('\n')).toEqual(expected('pull_uptodate.txt'));
    expect(again.code).toBe(0);

    const fixture = fixtureImage('01-base');
    const inspect = JSON.parse((await daemon.docker(['image', 'inspect', `${registry.host}/busybox:local`])).stdout)[0];
    expect(inspect.Id).toBe(fixture.inspect.Id);
    expect(inspect.Size).toBe(fixture.inspect.Size);
    expect(inspect.RepoTags).toEqual([`${registry.host}/busybox:local`]);
    expect(inspect.RepoDigests).toEqual([`${registry.host}/busybox@${busybox.digest}`]);
    const images = await daemon.docker(['images', '--digests', '--format', '{{.Repository}} {{.Tag}} {{.Digest}} {{.ID}}']);
    expect(images.stdout).toBe(`${registry.host}/busybox local ${busybox.digest} ${short(fixture.inspect.Id)}\n`);
  });

  it('a new tag for layers already present prints pull_existing_layers.txt; by digest it is up to date', async () => {
    await daemon.docker(['tag', `${registry.host}/busybox:local`, `${registry.host}/busybox:keep`]);
    expect((await daemon.docker(['rmi', `${registry.host}/busybox:local`])).code).toBe(0);
    const r = await daemon.docker(['pull', `${registry.host}/busybox:local`]);
    expect(r.stdout.trimEnd().split('\n')).toEqual(expected('pull_existing_layers.txt'));
    const byDigest = await daemon.docker(['pull', `${registry.host}/busybox@${busybox.digest}`]);
    expect(byDigest.stdout.trimEnd().split('\n')).toEqual([
      `${busybox.digest}: Pulling from busybox`,
      `Digest: ${busybox.digest}`,
      `Status: Image is up to date for ${registry.host}/busybox@${busybox.digest}`,
      `${registry.host}/busybox@${busybox.digest}`,
    ]);
  });

  it('a missing tag fails as pull_notfound.txt', async () => {
    const r = await daemon.docker(['pull', `${registry.host}/nope:latest`]);
    const want = captured('pull_notfound.txt');
    expect(r.code).toBe(want.exit);
    expect(r.stderr.trimEnd().split('\n')).toEqual(want.lines.map((l) => l.replaceAll('127.0.0.1:5000', registry.host)));
  });

  it('layers the store has by diffID print Already exists', async () => {
    const remote = remoteManifest(`${registry.host}/fixture/02-whiteout:v1`);
    const r = await daemon.docker(['pull', `${registry.host}/fixture/02-whiteout:v1`]);
    const [l0, l1, l2] = remote.layers.map(short);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.slice(0, 4)).toEqual(['v1: Pulling from fixture/02-whiteout', `${l0}: Already exists`, `${l1}: Pulling fs layer`, `${l2}: Pulling fs layer`]);
    // Downloads run in parallel (either may finish first); each layer is extracted after its download and the one below it.
    const middle = lines.slice(4, 8);
    expect([...middle].sort()).toEqual([`${l1}: Download complete`, `${l1}: Pull complete`, `${l2}: Download complete`, `${l2}: Pull complete`].sort());
    const at = (line: string) => middle.indexOf(line);
    expect(at(`${l1}: Download complete`)).toBeLessThan(at(`${l1}: Pull complete`));
    expect(at(`${l2}: Download complete`)).toBeLessThan(at(`${l2}: Pull complete`));
    expect(at(`${l1}: Pull complete`)).toBeLessThan(at(`${l2}: Pull complete`));
    expect(lines.slice(8)).toEqual([`Digest: ${remote.digest}`, `Status: Downloaded newer image for ${registry.host}/fixture/02-whiteout:v1`, `${registry.host}/fixture/02-whiteout:v1`]);
    expect(JSON.parse((await daemon.docker(['image', 'inspect', `${registry.host}/fixture/02-whiteout:v1`])).stdout)[0].Id).toBe(fixtureImage('02-whiteout').inspect.Id);
  });

  it('picks linux/amd64 from a two-platform index, and the other with --platform linux/arm64', async () => {
    const client = new RegistryClient();
    const source = parseNormalizedNamed(`${registry.host}/busybox:local`);
    const multi = parseNormalizedNamed(`${registry.host}/multi:v1`);
    const base = await client.resolve(source);
    const read = async (s: ReadableStream<Uint8Array>) => new Uint8Array(await new Response(s).arrayBuffer());
    const amdConfig = await read(await client.fetchBlob(source, base.manifest.config));
    const armConfig = utf8(JSON.stringify({ ...JSON.parse(new TextDecoder().decode(amdConfig)), architecture: 'arm64', variant: 'v8' }));
    for (const layer of base.manifest.layers) await client.putBlob(multi, await read(await client.fetchBlob(source, layer)));
    await client.putBlob(multi, amdConfig);
    await client.putBlob(multi, armConfig);
    const manifestFor = (config: Uint8Array) =>
      utf8(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.dockerManifest, config: { mediaType: MediaType.dockerConfig, digest: sha256(config), size: config.length }, layers: base.manifest.layers }));
    const [amd, arm] = [manifestFor(amdConfig), manifestFor(armConfig)];
    for (const m of [amd, arm]) await client.putManifest(multi, sha256(m), MediaType.dockerManifest, m);
    const list = utf8(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.dockerManifestList,
        manifests: [
          { mediaType: MediaType.dockerManifest, digest: sha256(arm), size: arm.length, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
          { mediaType: MediaType.dockerManifest, digest: sha256(amd), size: amd.length, platform: { os: 'linux', architecture: 'amd64' } },
        ],
      }),
    );
    const listDigest = await client.putManifest(multi, 'v1', MediaType.dockerManifestList, list);

    const amdPull = await daemon.docker(['pull', '--platform', 'linux/amd64', `${registry.host}/multi:v1`]);
    expect(amdPull.code).toBe(0);
    expect(amdPull.stdout).toContain(`Digest: ${listDigest}\n`);
    const amdInspect = JSON.parse((await daemon.docker(['image', 'inspect', `${registry.host}/multi:v1`])).stdout)[0];
    expect([amdInspect.Id, amdInspect.Architecture]).toEqual([sha256(amdConfig), 'amd64']);
    // Same config as busybox:local, so the same image: it gains the list's digest as a second RepoDigest.
    expect(amdInspect.RepoDigests).toEqual([`${registry.host}/busybox@${busybox.digest}`, `${registry.host}/multi@${listDigest}`]);

    const armPull = await daemon.docker(['pull', '--platform', 'linux/arm64', `${registry.host}/multi:v1`]);
    expect(armPull.code).toBe(0);
    expect(armPull.stdout).toContain(`Status: Downloaded newer image for ${registry.host}/multi:v1\n`);
    const armInspect = JSON.parse((await daemon.docker(['image', 'inspect', `${registry.host}/multi:v1`])).stdout)[0];
    expect([armInspect.Id, armInspect.Architecture, armInspect.Variant]).toEqual([sha256(armConfig), 'arm64', 'v8']);

    const none = await daemon.docker(['pull', '--platform', 'linux/s390x', `${registry.host}/multi:v1`]);
    expect(none.code).toBe(1);
    expect(none.stderr).toBe('Error response from daemon: no matching manifest for linux/s390x in the manifest list entries\n');
  });

  describe('a blob whose bytes do not match its digest', () => {
    let proxy: RegistryProxy | undefined;
    afterAll(async () => {
      await proxy?.close();
    });

    it('fails the pull with dockerd\'s message and leaves the data root as it was', async () => {
      skopeoPush('03-opaque', `${registry.host}/fixture/03-opaque:v1`);
      const remote = remoteManifest(`${registry.host}/fixture/03-opaque:v1`);
      const bad = remote.layers.at(-1)!;
      proxy = await startRegistryProxy(registry.port, (path) => (path.endsWith(bad) ? 'corrupt' : 'pass'));
      const before = await treeListing(daemon.dataRoot, { exclude: ['stratad.sock'] });
      const imagesBefore = (await daemon.docker(['images', '-a', '--digests'])).stdout;
      const r = await daemon.docker(['pull', `${proxy.host}/fixture/03-opaque:v1`]);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`filesystem layer verification failed for digest ${bad}\n`);
      expect((await daemon.docker(['images', '-a', '--digests'])).stdout).toBe(imagesBefore);
      expect(await treeListing(daemon.dataRoot, { exclude: ['stratad.sock'] })).toEqual(before);
    });
  });
});

describe.skipIf(!dockerBinary)('docker pull from a registry with htpasswd auth', () => {
  let registry: LocalRegistry;
  let daemon: StratadProcess;
  beforeAll(async () => {
    registry = await startLocalRegistry({ htpasswd: { alice: 'pw123' } });
    execFileSync('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', '--dest-creds', 'alice:pw123', `docker-archive:${fixtureImage('01-base').tar}`, `docker://${registry.host}/busybox:local`]);
    daemon = await startStratad();
  }, 60_000);
  afterAll(async () => {
    await daemon?.dispose();
    await registry?.stop();
  });

  it('fails without credentials as dockerd does and pulls with the X-Registry-Auth the CLI sends', async () => {
    const anonymous = await daemon.docker(['pull', `${registry.host}/busybox:local`]);
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toBe(`Error response from daemon: Get "http://${registry.host}/v2/busybox/manifests/local": no basic auth credentials\n`);
    const unauthenticated = await fetch(`http://${registry.host}/v2/busybox/manifests/local`);
    expect(unauthenticated.status).toBe(401);

    // What `docker login` leaves in the CLI's config: the CLI turns it into X-Registry-Auth.
    const configDir = join(daemon.dir, 'docker-config');
    await mkdir(configDir, { recursive: true });
    await writeFile(join(configDir, 'config.json'), JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from('alice:pw123').toString('base64') } } }));
    const r = await daemon.docker(['pull', `${registry.host}/busybox:local`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Status: Downloaded newer image for ${registry.host}/busybox:local\n`);
    expect(JSON.parse((await daemon.docker(['image', 'inspect', `${registry.host}/busybox:local`])).stdout)[0].Id).toBe(fixtureImage('01-base').inspect.Id);
  });
});

describe.skipIf(!dockerBinary)('docker pull of a docker.io image through --registry-mirror on loopback', () => {
  let mirror: LocalRegistry;
  let daemon: StratadProcess;
  beforeAll(async () => {
    mirror = await startLocalRegistry();
    // A mirror serves Hub's repository names: official images live under library/.
    skopeoPush('01-base', `${mirror.host}/library/ubuntu:14.04`);
    daemon = await startStratad(['--registry-mirror', `http://${mirror.host}`]);
  }, 60_000);
  afterAll(async () => {
    await daemon?.dispose();
    await mirror?.stop();
  });

  it('docker pull ubuntu:14.04 is served by the mirror and names the image as Hub would', async () => {
    const remote = remoteManifest(`${mirror.host}/library/ubuntu:14.04`);
    const r = await daemon.docker(['pull', 'ubuntu:14.04']);
    expect(r.stderr).toBe('');
    expect(r.stdout.trimEnd().split('\n')).toEqual([
      '14.04: Pulling from library/ubuntu',
      `${short(remote.layers[0])}: Pulling fs layer`,
      `${short(remote.layers[0])}: Download complete`,
      `${short(remote.layers[0])}: Pull complete`,
      `Digest: ${remote.digest}`,
      'Status: Downloaded newer image for ubuntu:14.04',
      'docker.io/library/ubuntu:14.04',
    ]);
    const images = await daemon.docker(['images', '--digests', '--format', '{{.Repository}}:{{.Tag}} {{.Digest}} {{.ID}}']);
    expect(images.stdout).toBe(`ubuntu:14.04 ${remote.digest} ${short(fixtureImage('01-base').inspect.Id)}\n`);
  });
});
