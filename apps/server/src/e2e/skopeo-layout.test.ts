// skopeo reads stratad's content store as an OCI image layout; what it copies out loads back into stratad.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerBinary } from '../dockerCli.js';
import { fixtureImage, fixtureNames, type FixtureImage } from './fixtureImages.js';
import { startStratad, type StratadProcess } from './stratadProcess.js';

const skopeo = ['/usr/bin/skopeo', '/usr/local/bin/skopeo'].find((p) => existsSync(p));
const skip = !skopeo ? 'skopeo is not installed (apt-get install skopeo)' : !dockerBinary ? 'no docker CLI on this machine' : undefined;
if (skip) console.warn(`skopeo-layout skipped: ${skip}`);

const fixtures = fixtureNames.map(fixtureImage);
const byName = (name: string) => fixtures.find((f) => f.name === name)!;
const sha256 = (b: Uint8Array) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** What tools/analyze.py computed from a fixture archive: the config's diffIDs and the digest of each layer.tar. */
function digestsJson(f: FixtureImage): { diffIds: string[]; layerDigests: string[] } {
  const digests = JSON.parse(readFileSync(join(dirname(f.tar), 'digests.json'), 'utf8')) as {
    images: Array<{ diff_ids: string[]; layers: Array<{ 'sha256(layer.tar)': string }> }>;
  };
  const [image] = digests.images;
  return { diffIds: image.diff_ids, layerDigests: image.layers.map((l) => l['sha256(layer.tar)']) };
}

interface OciManifest {
  schemaVersion: number;
  mediaType: string;
  config: { mediaType: string; digest: string; size: number };
  layers: Array<{ mediaType: string; digest: string; size: number }>;
}

describe.skipIf(skip !== undefined)('skopeo reads the data root content store as an OCI layout', () => {
  let daemon: StratadProcess;
  let work: string;
  let layout: string;

  /** Runs skopeo with its temp files in the test's dir; stdout as bytes. */
  function runSkopeo(args: string[]): Promise<{ code: number; stdout: Buffer; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(skopeo!, args, { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: work, TMPDIR: work }, stdio: ['ignore', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      let err = '';
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => (err += b.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? 1, stdout: Buffer.concat(out), stderr: err }));
    });
  }
  async function skopeoOk(args: string[]): Promise<Buffer> {
    const r = await runSkopeo(args);
    expect(r.stderr, `skopeo ${args.join(' ')}`).toBe('');
    expect(r.code).toBe(0);
    return r.stdout;
  }

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'strata-skopeo-e2e-'));
    daemon = await startStratad();
    layout = join(daemon.dataRoot, 'content');
    for (const f of fixtures) expect(await daemon.docker(['load', '-i', f.tar]), f.name).toMatchObject({ code: 0, stdout: `Loaded image: ${f.tag}\n` });
    const base = byName('01-base');
    expect(await daemon.docker(['tag', base.inspect.Id, 'docker.io/library/busybox:local'])).toMatchObject({ code: 0, stderr: '' });
    expect(await daemon.docker(['tag', byName('02-whiteout').tag, 'docker.io/library/busybox:whiteout'])).toMatchObject({ code: 0, stderr: '' });
  });
  afterAll(async () => {
    await daemon?.dispose();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('skopeo inspect --raw of docker.io/library/busybox:local: config digest is the image ID, layers are the diffIDs', async () => {
    const base = byName('01-base');
    const raw = await skopeoOk(['inspect', '--raw', `oci:${layout}:docker.io/library/busybox:local`]);
    const manifest = JSON.parse(raw.toString('utf8')) as OciManifest;
    expect(manifest.schemaVersion).toBe(2);
    expect(manifest.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(manifest.config.digest).toBe(base.inspect.Id);
    const { diffIds, layerDigests } = digestsJson(base);
    // docker load keeps the archive's uncompressed layer tars, so each blob's digest is its diffID
    expect(manifest.layers.map((l) => l.digest)).toEqual(layerDigests);
    expect(manifest.layers.map((l) => l.digest)).toEqual(diffIds);
    expect(manifest.layers.map((l) => l.mediaType)).toEqual(diffIds.map(() => 'application/vnd.oci.image.layer.v1.tar'));
    const config = await skopeoOk(['inspect', '--raw', '--config', `oci:${layout}:docker.io/library/busybox:local`]);
    expect(sha256(config)).toBe(base.inspect.Id);
    expect(config.length).toBe(manifest.config.size);
  });

  it('skopeo inspect of docker.io/fixture/02-whiteout:v1 gives the fixture\'s layers, platform and creation time', async () => {
    const f = byName('02-whiteout');
    const ref = `oci:${layout}:docker.io/fixture/02-whiteout:v1`;
    const inspect = JSON.parse((await skopeoOk(['inspect', ref])).toString('utf8')) as Record<string, unknown>;
    const raw = await skopeoOk(['inspect', '--raw', ref]);
    expect(inspect.Digest).toBe(sha256(raw));
    expect(inspect.Layers).toEqual(digestsJson(f).diffIds);
    expect(inspect.Layers).toEqual((f.inspect.RootFS as { Layers: string[] }).Layers);
    expect({ Architecture: inspect.Architecture, Os: inspect.Os, Created: inspect.Created, DockerVersion: inspect.DockerVersion }).toEqual({
      Architecture: f.inspect.Architecture,
      Os: f.inspect.Os,
      Created: f.inspect.Created,
      DockerVersion: f.inspect.DockerVersion,
    });
    expect((JSON.parse(raw.toString('utf8')) as OciManifest).config.digest).toBe(f.inspect.Id);
    // a tag added with docker tag names the same manifest
    expect(await skopeoOk(['inspect', '--raw', `oci:${layout}:docker.io/library/busybox:whiteout`])).toEqual(raw);
  });

  it('every fixture is addressable by its full name, with config digest = image ID and layers = diffIDs', async () => {
    for (const f of fixtures) {
      const name = f.name === '01-base' ? 'docker.io/library/busybox:local' : `docker.io/${f.tag}`;
      const manifest = JSON.parse((await skopeoOk(['inspect', '--raw', `oci:${layout}:${name}`])).toString('utf8')) as OciManifest;
      expect(manifest.config.digest, f.name).toBe(f.inspect.Id);
      expect(manifest.layers.map((l) => l.digest), f.name).toEqual(digestsJson(f).diffIds);
    }
  });

  it('skopeo copy oci:… docker-archive:… gives an archive that docker load puts back into stratad under the same ID', async () => {
    const f = byName('02-whiteout');
    const archive = join(work, 'x.tar');
    await skopeoOk(['--insecure-policy', 'copy', '--quiet', `oci:${layout}:docker.io/fixture/02-whiteout:v1`, `docker-archive:${archive}:skopeo/whiteout:copied`]);
    // drop the image from stratad so the load has to bring every byte back
    expect((await daemon.docker(['rmi', f.tag, 'docker.io/library/busybox:whiteout'])).code).toBe(0);
    expect((await daemon.docker(['images', '-q', '--no-trunc'])).stdout).not.toContain(f.inspect.Id);
    expect(await daemon.docker(['load', '-i', archive])).toMatchObject({ code: 0, stdout: 'Loaded image: skopeo/whiteout:copied\n', stderr: '' });
    expect((await daemon.docker(['images', '-q', '--no-trunc', 'skopeo/whiteout:copied'])).stdout).toBe(`${f.inspect.Id}\n`);
    const [loaded] = JSON.parse((await daemon.docker(['image', 'inspect', 'skopeo/whiteout:copied'])).stdout) as Array<Record<string, unknown>>;
    expect(loaded.RootFS).toEqual(f.inspect.RootFS);
    expect(loaded.Size).toBe(f.inspect.Size);

    // without a name in the destination the archive has no RepoTags and loads by ID
    const untagged = join(work, 'untagged.tar');
    await skopeoOk(['--insecure-policy', 'copy', '--quiet', `oci:${layout}:docker.io/fixture/04-links:v1`, `docker-archive:${untagged}`]);
    expect(await daemon.docker(['load', '-i', untagged])).toMatchObject({ code: 0, stdout: `Loaded image ID: ${byName('04-links').inspect.Id}\n`, stderr: '' });
  });

  it('the layout needs no daemon: after stratad stops, skopeo still reads the images it holds', async () => {
    const stopped = await daemon.stop();
    expect(stopped).toEqual({ code: 0, signal: null });
    const manifest = JSON.parse((await skopeoOk(['inspect', '--raw', `oci:${layout}:docker.io/skopeo/whiteout:copied`])).toString('utf8')) as OciManifest;
    expect(manifest.config.digest).toBe(byName('02-whiteout').inspect.Id);
    expect(manifest.layers.map((l) => l.digest)).toEqual(digestsJson(byName('02-whiteout')).diffIds);
  });
});
