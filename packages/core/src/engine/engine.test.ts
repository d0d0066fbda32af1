import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeEach, describe, expect, it } from 'vitest';
import { testPorts } from '../../test-support/memory.js';
import { collect, fixtureImages, fixturesDir, readFixture, streamOf } from '../../test-support/node.js';
import { createEngine, type Engine } from './index.js';

const fixture = (name: string, file: string) => join(fixturesDir, 'images', name, file);
const inspectOf = (name: string) => JSON.parse(readFileSync(fixture(name, 'inspect.json'), 'utf8'))[0];
const historyOf = (name: string) => readFileSync(fixture(name, 'history.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));

async function loadFixture(engine: Engine, name: string) {
  return engine.loadImages(streamOf(readFixture(`images/${name}/image.tar`), 100_000));
}

describe('engine: images at rest', () => {
  let ports: ReturnType<typeof testPorts>;
  let engine: Engine;
  beforeEach(() => {
    ports = testPorts();
    engine = createEngine(ports);
  });

  it('loads all seven fixtures with Docker image IDs, tags, sizes, configs and history', async () => {
    for (const name of fixtureImages) {
      const inspect = inspectOf(name);
      // The archive's own tags (inspect.json also lists tags the build host added later).
      const tags: string[] = JSON.parse(readFileSync(fixture(name, 'digests.json'), 'utf8'))['manifest.json'][0].RepoTags;
      const result = await loadFixture(engine, name);
      expect(result.imageIds).toEqual([inspect.Id]);
      expect(result.messages).toEqual(tags.map((t: string) => `Loaded image: ${t}`));
      const ours = await engine.inspectImage(tags[0]);
      expect(ours.RepoTags).toEqual(tags);
      for (const key of ['Id', 'Comment', 'Created', 'Container', 'ContainerConfig', 'DockerVersion', 'Author', 'Config', 'Architecture', 'Os', 'Size', 'VirtualSize', 'RootFS'] as const) {
        expect(ours[key], `${name} ${key}`).toEqual(inspect[key]);
      }
      const history = await engine.imageHistory(tags[0]);
      const want = historyOf(name);
      expect(history.map((h) => [h.CreatedBy, h.Comment, h.Created])).toEqual(want.map((h: any) => [h.CreatedBy, h.Comment, Math.floor(Date.parse(h.CreatedAt) / 1000)]));
      expect(history[0].Id).toBe(inspect.Id);
      expect(history.slice(1).every((h) => h.Id === '<missing>')).toBe(true);
    }
    const images = await engine.listImages();
    expect(images).toHaveLength(7);
    // The busybox base layer is stored once however many images share it.
    const base = 'sha256:65f18a0a4581df9ac2942b5e4fd3b830b963df3929ac3c3414d8536c02babca3';
    expect([...ports.content.blobs.keys()].filter((d) => d === base)).toHaveLength(1);
    const layerRecords = await ports.metadata.list('layers');
    expect(layerRecords.filter(([k]) => `sha256:${k}` === base)).toHaveLength(1);
  });

  it('untags and deletes as docker rmi does, printing layer chainIDs', async () => {
    await loadFixture(engine, '01-base');
    await loadFixture(engine, '02-whiteout');
    await engine.tagImage('fixture/02-whiteout:v1', 'extra', 'two');
    expect(await engine.removeImage('extra:two')).toEqual([{ Untagged: 'extra:two' }]);
    await engine.tagImage('fixture/02-whiteout:v1', 'extra', 'two');
    await expect(engine.removeImage('07019df820f5')).rejects.toThrow(
      'conflict: unable to delete 07019df820f5 (must be forced) - image is referenced in multiple repositories',
    );
    const out = await engine.removeImage('07019df820f5', { force: true });
    expect(out).toEqual([
      // Docker sorts references lexically by their full name: docker.io/fixture/... < docker.io/library/...
      { Untagged: 'fixture/02-whiteout:v1' },
      { Untagged: 'extra:two' },
      { Deleted: 'sha256:07019df820f5879d03be94bb3657e4fa5c7dc9a78498f27c3bd7fe88f31ac291' },
      { Deleted: 'sha256:dcaab92fab677f2560aec5257e77b13d9d57ae504f1314e643578a8568f69db5' },
      { Deleted: 'sha256:e5ce11b78ba2679a991341150db6104ecb262d0fd42e826f1507175d028c7d34' },
    ]);
    await expect(engine.removeImage('nosuch')).rejects.toThrow('No such image: nosuch:latest');
    await expect(engine.inspectImage('nosuch')).rejects.toThrow('No such image: nosuch:latest');
    await expect(engine.removeImage('Foo')).rejects.toThrow(/invalid reference format/);
    expect((await engine.listImages()).map((i) => i.RepoTags)).toEqual([['busybox:local']]);
  });

  it('saves an archive that loads back to the same IDs, and that GNU tar can list', async () => {
    for (const n of fixtureImages) await loadFixture(engine, n);
    const archive = await engine.saveImages(['fixture/02-whiteout:v1', 'fixture/07-metadata:v1']);
    const bytes = await collect(archive);
    expect(archive.byteLength).toBe(bytes.byteLength);
    const dir = mkdtempSync(join(tmpdir(), 'strata-save-'));
    try {
      writeFileSync(join(dir, 'a.tar'), bytes);
      const listing = execFileSync('tar', ['-tf', join(dir, 'a.tar')], { encoding: 'utf8' });
      expect(listing).toContain('manifest.json');
      expect(listing).toContain('blobs/sha256/65f18a0a4581df9ac2942b5e4fd3b830b963df3929ac3c3414d8536c02babca3');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const fresh = createEngine(testPorts());
    const r = await fresh.loadImages(streamOf(bytes));
    expect(r.imageIds.sort()).toEqual([inspectOf('02-whiteout').Id, inspectOf('07-metadata').Id].sort());
    expect(r.messages.sort()).toEqual(['Loaded image: fixture/02-whiteout:v1', 'Loaded image: fixture/07-metadata:v1']);
    // gzip-compressed archives load too
    const g = await createEngine(testPorts()).loadImages(streamOf(new Uint8Array(gzipSync(bytes))));
    expect(g.imageIds).toHaveLength(2);
  });

  it('loads an OCI layout tar with gzip layers and the skopeo uncompressed quirk', async () => {
    for (const dirName of ['oci-layout', 'oci-layout-quirk-uncompressed']) {
      const dir = join(fixturesDir, 'images', dirName);
      const tar = new Uint8Array(execFileSync('tar', ['-C', dir, '-cf', '-', '.'], { maxBuffer: 64 << 20 }));
      const e = createEngine(testPorts());
      const r = await e.loadImages(streamOf(tar));
      expect(r.imageIds.length).toBeGreaterThan(0);
      for (const id of r.imageIds) expect(r.messages).toContain(`Loaded image ID: ${id}`);
    }
  });

  it('announces the exact length of every saved archive before it streams', async () => {
    const names: string[] = [];
    for (const n of fixtureImages) names.push(...(await loadFixture(engine, n)).imageIds);
    for (const set of [...names.map((n) => [n]), names]) {
      const archive = await engine.saveImages(set);
      expect(archive.byteLength).toBe((await collect(archive)).byteLength);
    }
  });

  it('imports a rootfs with --change and message, like docker import', async () => {
    const layer = readFixture('images/01-base/image.tar');
    await loadFixture(engine, '01-base');
    const saved = await collect(await engine.saveImages(['busybox:local']));
    expect(saved.byteLength).toBeGreaterThan(1_990_000);
    // import the base layer tar itself (GNU tar, ./ names) from the archive
    const dir = mkdtempSync(join(tmpdir(), 'strata-imp-'));
    try {
      writeFileSync(join(dir, 'img.tar'), layer);
      execFileSync('tar', ['-C', dir, '-xf', join(dir, 'img.tar')]);
      const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
      const rootfs = readFileSync(join(dir, manifest[0].Layers[0]));
      const id = await engine.importImage(streamOf(new Uint8Array(rootfs)), { repo: 'imported', tag: 'v1', changes: ['CMD ["sh"]', 'ENV A=b'], message: 'imported msg' });
      const inspect = await engine.inspectImage('imported:v1');
      expect(inspect.Id).toBe(id);
      expect(inspect.Comment).toBe('imported msg');
      expect(inspect.RootFS.Layers).toEqual(['sha256:65f18a0a4581df9ac2942b5e4fd3b830b963df3929ac3c3414d8536c02babca3']);
      expect((inspect.Config as any).Cmd).toEqual(['sh']);
      expect((inspect.Config as any).Env).toEqual(['A=b']);
      expect(inspect.Size).toBe(1982333);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prunes dangling images and reports disk usage that adds up', async () => {
    for (const n of ['01-base', '02-whiteout', '03-opaque']) await loadFixture(engine, n);
    const df = await engine.diskUsage();
    const unique = df.Images.reduce((n, i) => n + i.Size - i.SharedSize, 0);
    const shared = 1982333; // the busybox layer, shared by all three, counted once
    expect(df.LayersSize).toBe(unique + shared);
    await engine.removeImage('fixture/03-opaque:v1');
    expect((await engine.pruneImages()).ImagesDeleted).toBeNull();
    await engine.tagImage('fixture/02-whiteout:v1', 'keep', 'me');
    const report = await engine.pruneImages({ dangling: ['false'] });
    expect(report.ImagesDeleted?.filter((d) => 'Deleted' in d).length).toBeGreaterThanOrEqual(2);
    expect(await engine.listImages()).toEqual([]);
    expect(ports.content.blobs.size).toBe(0);
  });

  it('rejects hostile archives and leaves the store exactly as it was', async () => {
    await loadFixture(engine, '01-base');
    const snapshot = () => JSON.stringify([[...ports.content.blobs.keys()].sort(), [...ports.metadata.data].sort(), ports.content.index]);
    const before = snapshot();
    const good = readFixture('images/02-whiteout/image.tar');
    const cases: Array<[string, Uint8Array]> = [
      ['truncated', good.subarray(0, 5000)],
      ['empty', new Uint8Array(0)],
      ['garbage', new TextEncoder().encode('not a tar at all, just words'.repeat(40))],
    ];
    for (const [what, bytes] of cases) {
      await expect(engine.loadImages(streamOf(bytes)), what).rejects.toThrow();
      expect(snapshot(), what).toBe(before);
    }
  });
});
