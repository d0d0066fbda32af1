// stratad and a private real dockerd push the same loaded image to the same docker-registry: the
// manifests they write, the lines they print and cross-repository mounts must agree.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { type LocalRegistry, startLocalRegistry } from '@strata/registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturesDir } from '../captureFixtures.js';
import { dockerBinary } from '../dockerCli.js';
import { type Dockerd, runDocker, startDockerd } from '../testing/dockerd.js';
import { fixtureImage } from './fixtureImages.js';
import { startStratad, type StratadProcess } from './stratadProcess.js';

const sha256 = (b: Uint8Array) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** What the user saw in a capture: the lines between the `$ docker` line and `[exit=N]`. */
function captured(name: string): string[] {
  const text = readFileSync(join(fixturesDir, 'docker-api-captures', name), 'utf8');
  return text.split('## what the user saw')[1].split('## wire log')[0].trim().split('\n').slice(2, -1);
}

interface Schema2 {
  schemaVersion: number;
  mediaType: string;
  config: { mediaType: string; size: number; digest: string };
  layers: Array<{ mediaType: string; size: number; digest: string }>;
}

const started = dockerBinary ? await startDockerd() : { skip: 'no docker CLI on this machine' };
const skip = 'skip' in started ? started.skip : undefined;
if (skip) console.warn(`registry-push-dockerd skipped: ${skip}`);

describe.skipIf(skip !== undefined)('docker push: stratad next to a real dockerd, into one docker-registry', () => {
  const dockerd = started as Dockerd;
  const real = (args: string[]) => runDocker(args, { env: dockerd.env });
  const base = fixtureImage('01-base');
  let registry: LocalRegistry;
  let stratad: StratadProcess;

  /** The manifest a repository's tag points at, raw, and the blob bytes it names. */
  const manifestOf = async (repo: string, tag: string) => {
    const r = await fetch(`http://${registry.host}/v2/${repo}/manifests/${tag}`, { headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json' } });
    expect(r.status).toBe(200);
    const raw = new Uint8Array(await r.arrayBuffer());
    return { raw, doc: JSON.parse(new TextDecoder().decode(raw)) as Schema2, contentType: r.headers.get('content-type') };
  };
  const blob = async (repo: string, digest: string) => new Uint8Array(await (await fetch(`http://${registry.host}/v2/${repo}/blobs/${digest}`)).arrayBuffer());

  beforeAll(async () => {
    registry = await startLocalRegistry();
    stratad = await startStratad();
    expect((await stratad.docker(['load', '-i', base.tar])).code).toBe(0);
    expect((await real(['load', '-i', base.tar])).code).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await stratad?.dispose();
    await registry?.stop();
    if (!skip) await dockerd.stop();
  });

  it('a loaded (uncompressed) image goes up gzip-compressed in a schema2 manifest shaped as dockerd\'s', async () => {
    expect((await real(['tag', base.tag, `${registry.host}/dockerd/busybox:local`])).code).toBe(0);
    const theirs = await real(['push', `${registry.host}/dockerd/busybox:local`]);
    expect(theirs.code).toBe(0);
    expect((await stratad.docker(['tag', base.tag, `${registry.host}/strata/busybox:local`])).code).toBe(0);
    const ours = await stratad.docker(['push', `${registry.host}/strata/busybox:local`]);
    expect(ours.stderr).toBe('');
    expect(ours.code).toBe(0);

    const d = await manifestOf('dockerd/busybox', 'local');
    const s = await manifestOf('strata/busybox', 'local');
    expect(s.contentType).toBe(d.contentType);
    // Same document but for the gzip bytes (Go's compressor and zlib differ): same keys, order, media types, config.
    const shape = (m: Schema2) => ({ ...m, layers: m.layers.map((l) => ({ ...l, size: 0, digest: '' })) });
    expect(shape(s.doc)).toEqual(shape(d.doc));
    expect(Object.keys(s.doc)).toEqual(Object.keys(d.doc));
    expect(s.raw.byteLength).toBe(d.raw.byteLength);
    // Both layer blobs unzip to the layer dockerd and Strata agree on (the diffID).
    for (const [repo, m] of [['dockerd/busybox', d.doc], ['strata/busybox', s.doc]] as const) {
      expect(sha256(gunzipSync(await blob(repo, m.layers[0].digest)))).toBe((base.inspect.RootFS as { Layers: string[] }).Layers[0]);
    }
    expect(Math.abs(s.doc.layers[0].size - d.doc.layers[0].size) / d.doc.layers[0].size).toBeLessThan(0.05);

    // The lines each printed: push.txt's, with this run's registry, repository and digest.
    const as = (repo: string, m: { raw: Uint8Array }) => (l: string) =>
      l.replace('127.0.0.1:5000/busybox', `${registry.host}/${repo}`).replace(/sha256:[0-9a-f]{64} size: 527/, `${sha256(m.raw)} size: ${m.raw.byteLength}`);
    expect(theirs.stdout.trimEnd().split('\n')).toEqual(captured('push.txt').map(as('dockerd/busybox', d)));
    expect(ours.stdout.trimEnd().split('\n')).toEqual(captured('push.txt').map(as('strata/busybox', s)));
    expect(d.raw.byteLength).toBe(527);
    // Each engine records the pushed manifest's digest as a RepoDigest of the image.
    const repoDigests = async (run: typeof real, ref: string) => (JSON.parse((await run(['image', 'inspect', ref])).stdout)[0] as { RepoDigests: string[] }).RepoDigests;
    expect(await repoDigests(real, base.tag)).toContain(`${registry.host}/dockerd/busybox@${sha256(d.raw)}`);
    expect(await repoDigests((args) => stratad.docker(args), base.tag)).toContain(`${registry.host}/strata/busybox@${sha256(s.raw)}`);
  });

  it('pushing again reuses the compressed digest it recorded: Layer already exists, same manifest digest', async () => {
    const before = await manifestOf('strata/busybox', 'local');
    const again = await stratad.docker(['push', `${registry.host}/strata/busybox:local`]);
    expect(again.stdout).toContain('65f18a0a4581: Layer already exists\n');
    expect(again.stdout).toContain(`local: digest: ${sha256(before.raw)} size: ${before.raw.byteLength}\n`);
  });

  it('a layer already in another repository of the registry is mounted, as dockerd does', async () => {
    expect((await real(['tag', base.tag, `${registry.host}/dockerd/other:v1`])).code).toBe(0);
    const theirs = await real(['push', `${registry.host}/dockerd/other:v1`]);
    expect(theirs.stdout).toContain('65f18a0a4581: Mounted from dockerd/busybox\n');
    expect((await stratad.docker(['tag', base.tag, `${registry.host}/strata/other:v1`])).code).toBe(0);
    const ours = await stratad.docker(['push', `${registry.host}/strata/other:v1`]);
    expect(ours.code).toBe(0);
    const line = (r: { stdout: string }) => r.stdout.split('\n').filter((l) => l.startsWith('65f18a0a4581: ') && !l.endsWith('Preparing'));
    expect(line(ours)).toEqual(line(theirs).map((l) => l.replace('dockerd/', 'strata/')));
    expect((await manifestOf('strata/other', 'v1')).doc.layers[0].digest).toBe((await manifestOf('strata/busybox', 'local')).doc.layers[0].digest);
  });

  it('a later pull of what was pushed is up to date and records the registry digest', async () => {
    const m = await manifestOf('strata/busybox', 'local');
    const r = await stratad.docker(['pull', `${registry.host}/strata/busybox:local`]);
    expect(r.stdout.trimEnd().split('\n')).toEqual([
      'local: Pulling from strata/busybox',
      `Digest: ${sha256(m.raw)}`,
      `Status: Image is up to date for ${registry.host}/strata/busybox:local`,
      `${registry.host}/strata/busybox:local`,
    ]);
    const inspect = JSON.parse((await stratad.docker(['image', 'inspect', `${registry.host}/strata/busybox:local`])).stdout)[0];
    expect(inspect.RepoDigests).toContain(`${registry.host}/strata/busybox@${sha256(m.raw)}`);
    // The store stays a readable OCI layout: its manifest names only blobs it holds.
    const save = await stratad.docker(['save', '-o', join(stratad.dir, 'saved.tar'), `${registry.host}/strata/busybox:local`]);
    expect(save.code).toBe(0);
  });
});
