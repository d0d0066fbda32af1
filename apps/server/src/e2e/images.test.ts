import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dockerBinary } from '../dockerCli.js';
import { archiveMember, fixtureImage, fixtureNames, humanSize, type FixtureImage } from './fixtureImages.js';
import { startStratad, type StratadProcess } from './stratadProcess.js';

const fixtures = fixtureNames.map(fixtureImage);
const byName = (name: string): FixtureImage => fixtures.find((f) => f.name === name)!;
const shortId = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);

/** Table rows of `docker images`-like output split on the CLI's 3-space column gaps. */
const rows = (stdout: string) => stdout.trimEnd().split('\n').slice(1).map((l) => l.split(/ {3,}/));

/** Inspect output without what depends on the daemon's storage or the time of tagging. */
function comparable(inspect: Record<string, unknown>) {
  const { GraphDriver: _g, RepoDigests: _r, Metadata: _m, ...rest } = inspect;
  return rest;
}

describe.skipIf(!dockerBinary)('docker CLI image commands against stratad', () => {
  let daemon: StratadProcess;
  beforeAll(async () => {
    daemon = await startStratad();
  });
  afterAll(async () => {
    await daemon?.dispose();
  });

  it('docker load -i takes each of the seven fixture archives', async () => {
    for (const f of fixtures) {
      const r = await daemon.docker(['load', '-i', f.tar]);
      expect(r, f.name).toMatchObject({ code: 0, stdout: `Loaded image: ${f.tag}\n`, stderr: '' });
    }
  });

  it('docker images lists them with Docker\'s IDs, tags and sizes, newest first', async () => {
    const r = await daemon.docker(['images']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0].split(/ {3,}/)).toEqual(['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE']);
    const listed = rows(r.stdout).map(([repo, tag, id, , size]) => [repo, tag, id, size]);
    const expected = fixtures.map((f) => {
      const i = f.tag.lastIndexOf(':');
      return [f.tag.slice(0, i), f.tag.slice(i + 1), shortId(f.inspect.Id), humanSize(f.inspect.Size)];
    });
    expect([...listed].sort()).toEqual([...expected].sort());
    // newest first: the base (created minutes before the others) is last
    expect(listed.at(-1)?.[0]).toBe('busybox');
    expect(humanSize(byName('01-base').inspect.Size)).toBe('1.98MB'); // as images.txt printed it
  });

  it('docker image inspect matches real Docker\'s inspect.json (but storage paths, tag time, digests)', async () => {
    for (const f of fixtures) {
      const r = await daemon.docker(['image', 'inspect', f.tag]);
      expect(r.code, f.name).toBe(0);
      const [ours] = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
      // Parent links are local build metadata, not in the archive: after `docker load` dockerd has none either.
      expect(ours.Parent, f.name).toBe('');
      // RepoTags: 01-base was inspected while also tagged 127.0.0.1:5000/busybox:local; the archive has one tag.
      expect(ours.RepoTags, f.name).toEqual([f.tag]);
      expect({ ...comparable(ours), Parent: f.inspect.Parent, RepoTags: f.inspect.RepoTags }, f.name).toEqual(comparable(f.inspect));
    }
  });

  it('docker history matches history.jsonl; parents not present locally are <missing>', async () => {
    for (const f of fixtures) {
      const r = await daemon.docker(['history', '--no-trunc', '--format', '{{json .}}', f.tag]);
      expect(r.code, f.name).toBe(0);
      const ours = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
      expect(ours.length, f.name).toBe(f.history.length);
      ours.forEach((entry, i) => {
        const { CreatedSince: _a, ID: id, ...rest } = entry;
        const { CreatedSince: _b, ID: expectedId, ...expected } = f.history[i];
        expect(rest, `${f.name} row ${i}`).toEqual(expected);
        expect(id, `${f.name} row ${i}`).toBe(i === 0 ? expectedId : '<missing>');
      });
    }
  });

  it('docker tag and rmi: Untagged/Deleted lines and the conflict for an image in two repositories', async () => {
    const f = byName('02-whiteout');
    expect(await daemon.docker(['tag', f.tag, 'e2e/tagged:one'])).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const listed = await daemon.docker(['images', 'e2e/tagged']);
    expect(rows(listed.stdout).map((r) => [r[0], r[1], r[2]])).toEqual([['e2e/tagged', 'one', shortId(f.inspect.Id)]]);

    const conflict = await daemon.docker(['rmi', shortId(f.inspect.Id)]);
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toBe(
      `Error response from daemon: conflict: unable to delete ${shortId(f.inspect.Id)} (must be forced) - image is referenced in multiple repositories\n`,
    );

    expect(await daemon.docker(['rmi', 'e2e/tagged:one'])).toMatchObject({ code: 0, stdout: 'Untagged: e2e/tagged:one\n' });
    const removed = await daemon.docker(['rmi', f.tag]);
    expect(removed.code).toBe(0);
    const lines = removed.stdout.trim().split('\n');
    expect(lines[0]).toBe(`Untagged: ${f.tag}`);
    expect(lines).toContain(`Deleted: ${f.inspect.Id}`);
    expect(lines.slice(1).every((l) => /^Deleted: sha256:[0-9a-f]{64}$/.test(l))).toBe(true);
    expect((await daemon.docker(['images', '-q', f.tag])).stdout).toBe('');
  });

  it('unknown images and invalid references fail with dockerd\'s words', async () => {
    expect(await daemon.docker(['rmi', 'nosuch:latest'])).toMatchObject({ code: 1, stdout: '', stderr: 'Error response from daemon: No such image: nosuch:latest\n' });
    const inspect = await daemon.docker(['image', 'inspect', 'nosuch']);
    expect(inspect.code).toBe(1);
    // CLI 28 prints the daemon's message as is; this is dockerd 20.10's (inspect_notfound.txt).
    expect(inspect.stderr).toBe('Error response from daemon: no such image: nosuch: No such image: nosuch:latest\n');
    const any = await daemon.docker(['inspect', 'nosuch']);
    expect(any).toMatchObject({ code: 1, stdout: '[]\n', stderr: 'Error: No such object: nosuch\n' });
    const invalid = await daemon.docker(['rmi', 'Bad::Ref']);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/^Error response from daemon: .*invalid reference format/);
  });

  it('docker save | docker load round-trips with the same IDs (file and pipe)', async () => {
    const opaque = byName('03-opaque');
    const file = join(daemon.dir, 'opaque.tar');
    expect(await daemon.docker(['save', opaque.tag, '-o', file])).toMatchObject({ code: 0, stderr: '' });
    expect((await daemon.docker(['rmi', opaque.tag])).code).toBe(0);
    expect((await daemon.docker(['load', '-i', file])).stdout).toBe(`Loaded image: ${opaque.tag}\n`);
    expect((await daemon.docker(['images', '-q', '--no-trunc', opaque.tag])).stdout).toBe(`${opaque.inspect.Id}\n`);

    const links = byName('04-links');
    const saved = await daemon.docker(['save', links.tag]);
    expect(saved.code).toBe(0);
    expect(saved.stdoutBytes.length).toBeGreaterThan(links.inspect.Size);
    expect((await daemon.docker(['rmi', links.tag])).code).toBe(0);
    expect((await daemon.docker(['load'], { input: saved.stdoutBytes })).stdout).toBe(`Loaded image: ${links.tag}\n`);
    const [again] = JSON.parse((await daemon.docker(['image', 'inspect', links.tag])).stdout) as Array<Record<string, unknown>>;
    expect(comparable(again)).toEqual(comparable({ ...links.inspect, Parent: '', RepoTags: [links.tag] }));
  });

  it('docker import from a file with --change and message, and from stdin', async () => {
    const base = byName('01-base');
    const rootfs = archiveMember(base.tar, base.layerPaths[0]);
    const file = join(daemon.dir, 'rootfs.tar');
    await writeFile(file, rootfs);
    const [diffId] = (base.inspect.RootFS as { Layers: string[] }).Layers;

    const fromFile = await daemon.docker(['import', '-c', 'CMD ["sh"]', '-m', 'imported msg', file, 'e2e/imported:v1']);
    expect(fromFile.code).toBe(0);
    expect(fromFile.stdout).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    const [one] = JSON.parse((await daemon.docker(['image', 'inspect', 'e2e/imported:v1'])).stdout) as Array<Record<string, any>>;
    expect(one.Id).toBe(fromFile.stdout.trim());
    expect(one.Comment).toBe('imported msg');
    expect(one.Config.Cmd).toEqual(['sh']);
    expect(one.RootFS).toEqual({ Type: 'layers', Layers: [diffId] });
    expect(one.Size).toBe(base.inspect.Size);

    const fromStdin = await daemon.docker(['import', '-', 'e2e/imported:v2'], { input: rootfs });
    expect(fromStdin.code).toBe(0);
    const [two] = JSON.parse((await daemon.docker(['image', 'inspect', 'e2e/imported:v2'])).stdout) as Array<Record<string, any>>;
    expect(two.Id).toBe(fromStdin.stdout.trim());
    expect(two.Comment).toBe('Imported from -');
    expect(two.RootFS.Layers).toEqual([diffId]);
  });

  it('docker image prune removes a dangling image', async () => {
    const base = byName('01-base');
    const dangling = (await daemon.docker(['import', '-'], { input: archiveMember(base.tar, base.layerPaths[0]) })).stdout.trim();
    expect(dangling).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect((await daemon.docker(['images', '-a', '-q', '--no-trunc'])).stdout).toContain(dangling);
    const pruned = await daemon.docker(['image', 'prune', '-f']);
    expect(pruned.code).toBe(0);
    expect(pruned.stdout).toContain(`deleted: ${dangling}\n`);
    expect(pruned.stdout).toMatch(/Total reclaimed space: /);
    expect((await daemon.docker(['images', '-a', '-q', '--no-trunc'])).stdout).not.toContain(dangling);
  });

  it('docker system df counts the images', async () => {
    const ids = new Set((await daemon.docker(['images', '-a', '-q', '--no-trunc'])).stdout.trim().split('\n'));
    const r = await daemon.docker(['system', 'df']);
    expect(r.code).toBe(0);
    const table = rows(r.stdout);
    expect(table[0].slice(0, 3)).toEqual(['Images', String(ids.size), '0']);
    expect(table[0][3]).toMatch(/^[0-9.]+MB$/);
    expect(table[1]).toEqual(['Containers', '0', '0', '0B', '0B']);
  });
});
