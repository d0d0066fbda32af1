// stratad and a private real dockerd exchange `docker save` archives both ways; IDs, tags and inspect must agree.
import { gzipSync } from 'node:zlib';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerBinary, type DockerResult } from '../dockerCli.js';
import { runDocker, startDockerd, type Dockerd } from '../testing/dockerd.js';
import { fixtureImage, fixtureNames } from './fixtureImages.js';
import { startStratad, type StratadProcess } from './stratadProcess.js';

const fixtures = fixtureNames.map(fixtureImage);
const byName = (name: string) => fixtures.find((f) => f.name === name)!;

const started = dockerBinary ? await startDockerd() : { skip: 'no docker CLI on this machine' };
const skip = 'skip' in started ? started.skip : undefined;
if (skip) console.warn(`interop-dockerd skipped: ${skip}`);

type Inspect = Record<string, unknown> & { Id: string; RepoTags: string[]; RootFS: { Layers: string[] }; Config: unknown };

/** Inspect fields that depend on the daemon's storage or on when and how it was tagged, not on the image. */
function imageFacts(inspect: Inspect) {
  const { GraphDriver: _g, Metadata: _m, RepoDigests: _d, RepoTags: _t, ...facts } = inspect;
  return facts;
}

describe.skipIf(skip !== undefined)('docker save / docker load between stratad and a real dockerd', () => {
  const dockerd = started as Dockerd;
  let stratad: StratadProcess;
  let fresh: StratadProcess | undefined;
  let work: string;
  const real = (args: string[], input?: Uint8Array) => runDocker(args, { env: dockerd.env, input });

  /** `ID REPO:TAG` lines (`<none>:<none>` for untagged), sorted, of what a daemon lists. */
  async function listed(docker: (args: string[]) => Promise<{ code: number; stdout: string }>): Promise<string[]> {
    const r = await docker(['images', '--no-trunc', '--format', '{{.ID}} {{.Repository}}:{{.Tag}}']);
    expect(r.code).toBe(0);
    return r.stdout.trim().split('\n').filter(Boolean).sort();
  }
  async function inspect(docker: (args: string[]) => Promise<{ code: number; stdout: string; stderr: string }>, ref: string): Promise<Inspect> {
    const r = await docker(['image', 'inspect', ref]);
    expect(r.stderr, ref).toBe('');
    return (JSON.parse(r.stdout) as Inspect[])[0];
  }
  async function sameImageInBoth(ref: string, realRef = ref) {
    const ours = await inspect((a) => stratad.docker(a), ref);
    const theirs = await inspect(real, realRef);
    expect(theirs.Id, ref).toBe(ours.Id);
    expect(theirs.RootFS.Layers, ref).toEqual(ours.RootFS.Layers);
    expect(theirs.Config, ref).toEqual(ours.Config);
    expect(imageFacts(theirs), ref).toEqual(imageFacts(ours));
  }

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'strata-interop-'));
    stratad = await startStratad();
    for (const f of fixtures) {
      expect(await stratad.docker(['load', '-i', f.tar]), f.name).toMatchObject({ code: 0, stdout: `Loaded image: ${f.tag}\n` });
    }
  });
  afterAll(async () => {
    await stratad?.dispose();
    await fresh?.dispose();
    await dockerd.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('a real docker load takes one image saved by stratad, with the same ID, tag, layers and config', async () => {
    const f = byName('02-whiteout');
    const file = join(work, 'one.tar');
    expect(await stratad.docker(['save', '-o', file, f.tag])).toMatchObject({ code: 0, stderr: '' });
    expect(await real(['load', '-i', file])).toMatchObject({ code: 0, stdout: `Loaded image: ${f.tag}\n`, stderr: '' });
    expect(await listed(real)).toEqual([`${f.inspect.Id} ${f.tag}`]);
    await sameImageInBoth(f.tag);
  });

  it('a real docker load takes five images saved by stratad into one archive (written to stdout)', async () => {
    const five = ['01-base', '03-opaque', '04-links', '05-perms', '06-multistage'].map(byName);
    const saved = await stratad.docker(['save', ...five.map((f) => f.tag)], { timeoutMs: 60_000 });
    expect(saved.code, saved.stderr).toBe(0);
    const loaded = await real(['load'], saved.stdoutBytes);
    expect(loaded.code, loaded.stderr).toBe(0);
    expect(loaded.stdout.trim().split('\n').sort()).toEqual(five.map((f) => `Loaded image: ${f.tag}`).sort());
    expect(await listed(real)).toEqual([...five, byName('02-whiteout')].map((f) => `${f.inspect.Id} ${f.tag}`).sort());
    for (const f of five) await sameImageInBoth(f.tag);
  });

  it('an image saved by ID loads into dockerd untagged, under that ID', async () => {
    const f = byName('07-metadata');
    const file = join(work, 'by-id.tar');
    const shortId = f.inspect.Id.slice('sha256:'.length, 'sha256:'.length + 12);
    expect(await stratad.docker(['save', '-o', file, shortId])).toMatchObject({ code: 0, stderr: '' });
    expect(await real(['load', '-i', file])).toMatchObject({ code: 0, stdout: `Loaded image ID: ${f.inspect.Id}\n`, stderr: '' });
    expect(await listed(real)).toContain(`${f.inspect.Id} <none>:<none>`);
    await sameImageInBoth(f.tag, f.inspect.Id);
    // dockerd now has every image stratad has, the by-ID one without its tag
    const ours = await listed((a) => stratad.docker(a));
    expect(await listed(real)).toEqual(ours.map((l) => (l.startsWith(f.inspect.Id) ? `${f.inspect.Id} <none>:<none>` : l)).sort());
  });

  it('stratad loads what the real dockerd saves (tags and an untagged ID in one archive), with the same IDs', async () => {
    const ids = (await real(['images', '-q', '--no-trunc'])).stdout.trim().split('\n');
    const tags = fixtures.filter((f) => f.name !== '07-metadata').map((f) => f.tag);
    const file = join(work, 'from-dockerd.tar');
    // Saving the untagged image by its ID puts it in manifest.json with RepoTags null.
    expect(await real(['save', '-o', file, ...tags, byName('07-metadata').inspect.Id])).toMatchObject({ code: 0, stderr: '' });

    fresh = await startStratad();
    const loaded = await fresh.docker(['load', '-i', file]);
    expect(loaded.stderr).toBe('');
    expect(loaded.code).toBe(0);
    expect(loaded.stdout.trim().split('\n').sort()).toEqual([...tags.map((t) => `Loaded image: ${t}`), `Loaded image ID: ${byName('07-metadata').inspect.Id}`].sort());
    expect(new Set(ids).size).toBe(7);
    expect(await listed((a) => fresh!.docker(a))).toEqual(await listed(real));
    for (const f of fixtures) {
      const ours = await inspect((a) => fresh!.docker(a), f.inspect.Id);
      const theirs = await inspect(real, f.inspect.Id);
      expect(ours.RootFS.Layers, f.name).toEqual(theirs.RootFS.Layers);
      expect(imageFacts(ours), f.name).toEqual(imageFacts(theirs));
    }
  });

  it('stratad loads a gzip-compressed `docker save` of the real dockerd from stdin', async () => {
    const f = byName('04-links');
    // the harness's runDocker decodes stdout as text, so the archive goes through a file
    const file = join(work, 'links.tar');
    expect(await real(['save', '-o', file, f.tag])).toMatchObject({ code: 0, stderr: '' });
    const saved = await readFile(file);
    const gz = gzipSync(saved);
    expect([gz[0], gz[1]]).toEqual([0x1f, 0x8b]);
    expect((await stratad.docker(['rmi', f.tag])).code).toBe(0);
    expect((await stratad.docker(['images', '-q', f.tag])).stdout).toBe('');
    const loaded: DockerResult = await stratad.docker(['load'], { input: gz });
    expect(loaded).toMatchObject({ code: 0, stdout: `Loaded image: ${f.tag}\n`, stderr: '' });
    expect((await stratad.docker(['images', '-q', '--no-trunc', f.tag])).stdout).toBe(`${f.inspect.Id}\n`);
    await sameImageInBoth(f.tag);
  });
});
