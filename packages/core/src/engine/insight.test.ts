import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { digestHex } from '../digest/index.js';
import { decodeLayerTable, tableOfLayer } from '../insight/index.js';
import { testPorts } from '../../test-support/memory.js';
import { fixtureImages, readFixture, streamOf } from '../../test-support/node.js';
import { LAYER_INDEX_NAMESPACE, analyzeArchive, createEngine } from './index.js';
import { IMAGE_ANALYSIS_NAMESPACE } from './insight.js';

const archiveOf = (name: string) => readFixture(`images/${name}/image.tar`);

describe('engine.analyzeImage', () => {
  it('analyses a stored image from indexes it builds once and keeps, with the base image found in the store', async () => {
    const ports = testPorts();
    const engine = createEngine(ports);
    await engine.loadImages(streamOf(archiveOf('01-base')));
    await engine.loadImages(streamOf(archiveOf('02-whiteout')));
    const inspect = await engine.inspectImage('fixture/02-whiteout:v1');
    for (const d of inspect.RootFS.Layers!) await ports.metadata.deleteBytes(LAYER_INDEX_NAMESPACE, digestHex(d));

    // Another engine on the same stores (its own memory cache), as a later process would be.
    const report = await createEngine({ ...ports }).analyzeImage('fixture/02-whiteout:v1');
    expect(report.image).toMatchObject({ id: inspect.Id, names: ['fixture/02-whiteout:v1'], os: 'linux' });
    expect(report.layers.map((l) => l.diffId)).toEqual(inspect.RootFS.Layers);
    expect(report.layers.map((l) => l.size)).toEqual([1982256 + 11 * 7, 16, 0]);
    expect(report.layers[2].command).toContain('rm /bin/httpd');
    expect(report.honest).toMatchObject({ baseLayers: 1, baseSource: 'image:busybox:local', userSize: 16, wastedBytes: 11 });
    expect(report.dive.wastedBytes).toBe(7);
    for (const d of inspect.RootFS.Layers!) expect(decodeLayerTable((await ports.metadata.getBytes(LAYER_INDEX_NAMESPACE, digestHex(d)))!)).toBeDefined();

    // The finished analysis is kept: asked again, it is the same, read back without a single layer index.
    const kept = [...ports.metadata.bytes.keys()].filter((k) => k.startsWith(`${IMAGE_ANALYSIS_NAMESPACE}/`));
    expect(kept).toHaveLength(1);
    const indexes = new Map([...ports.metadata.bytes].filter(([k]) => k.startsWith(`${LAYER_INDEX_NAMESPACE}/`)));
    for (const k of indexes.keys()) ports.metadata.bytes.delete(k);
    const blobsBefore = new Map(ports.content.blobs);
    ports.content.blobs.clear();
    const doc = await createEngine({ ...ports }).analysisDocument('fixture/02-whiteout:v1');
    expect(JSON.parse(Buffer.concat(doc.json).toString())).toEqual(JSON.parse(JSON.stringify(report)));
    expect(doc.report()).toEqual(JSON.parse(JSON.stringify(report)));
    expect(doc.summary.layers.map((l) => l.counts)).toEqual(report.layers.map((l) => l.counts));
    expect(doc.summary.honest).toEqual(report.honest);
    expect(doc.summary.layers[1]).not.toHaveProperty('changes');
    for (const [k, v] of indexes) ports.metadata.bytes.set(k, v);
    for (const [k, v] of blobsBefore) ports.content.blobs.set(k, v);
    // Another list length is another analysis.
    expect((await createEngine({ ...ports }).analyzeImage('fixture/02-whiteout:v1', { top: 1 })).largestFiles).toHaveLength(1);
    for (const k of [...ports.metadata.bytes.keys()]) if (k.startsWith(`${IMAGE_ANALYSIS_NAMESPACE}/`)) ports.metadata.bytes.delete(k);

    // Without it, a fresh engine computes it again from the kept indexes: the blobs are not needed.
    const blobs = new Map(ports.content.blobs);
    for (const l of await Promise.all(inspect.RootFS.Layers!.map((d) => ports.metadata.get<{ blob: string }>('layers', digestHex(d))))) ports.content.blobs.delete(l!.blob);
    const again = await createEngine({ ...ports }).analyzeImage(inspect.Id);
    expect(again.layers.map((l) => l.changes)).toEqual(report.layers.map((l) => l.changes));
    for (const [k, v] of blobs) ports.content.blobs.set(k, v);
  });

  it('records each layer index at load, equal to the one rebuilt from the blob', async () => {
    const ports = testPorts();
    const engine = createEngine(ports);
    await engine.loadImages(streamOf(archiveOf('04-links')));
    const { RootFS } = await engine.inspectImage('fixture/04-links:v1');
    for (const d of RootFS.Layers!) {
      const recorded = decodeLayerTable((await ports.metadata.getBytes(LAYER_INDEX_NAMESPACE, digestHex(d)))!);
      const blob = await ports.metadata.get<{ blob: string }>('layers', digestHex(d));
      expect(recorded).toEqual(await tableOfLayer(await ports.content.read(blob!.blob)));
    }
  });

  it('says No such image for a name the store does not have', async () => {
    const engine = createEngine(testPorts());
    await expect(engine.analyzeImage('nothing:here')).rejects.toMatchObject({ kind: 'not-found', message: 'No such image: nothing:here' });
  });

  it('diffs two images file by file', async () => {
    const engine = createEngine(testPorts());
    await engine.loadImages(streamOf(archiveOf('02-whiteout')));
    await engine.loadImages(streamOf(archiveOf('03-opaque')));
    const diff = await engine.diffImages({ name: 'fixture/02-whiteout:v1' }, { name: 'fixture/03-opaque:v1' });
    // 02 deleted the base image's /bin/httpd, 03 kept it.
    expect(diff.filter((d) => d.change === 'removed').map((d) => d.path)).toEqual(['data', 'data/keep.txt']);
    expect(diff.filter((d) => d.change === 'added').map((d) => d.path)).toEqual(['bin/httpd', 'config', 'config/c.conf', 'contrast', 'contrast/c.conf']);
    // The same image at layer 2 vs layer 3: layer 3's own changes.
    const own = await engine.diffImages({ name: 'fixture/02-whiteout:v1', layers: 2 }, { name: 'fixture/02-whiteout:v1' });
    expect(own.map((d) => `${d.change} ${d.path}`)).toEqual(['removed bin/httpd', 'removed data/remove-me.txt', 'removed data/subdir', 'removed data/subdir/a.txt', 'removed data/subdir/nested', 'removed data/subdir/nested/b.txt']);
  });
});

describe('analyzeArchive', () => {
  it('gives the same analysis as the store for every fixture, without loading it', async () => {
    for (const name of fixtureImages) {
      const ports = testPorts();
      const [fromArchive] = await analyzeArchive(streamOf(archiveOf(name), 7000), ports);
      expect(await ports.content.list()).toEqual([]);
      const engine = createEngine(ports);
      await engine.loadImages(streamOf(archiveOf(name)));
      const stored = await engine.analyzeImage(fromArchive.image.id);
      expect({ name, ...fromArchive }).toEqual({ name, ...stored });
    }
  });

  it('reads a gzipped archive', async () => {
    const [r] = await analyzeArchive(streamOf(gzipSync(archiveOf('03-opaque'))), testPorts());
    expect(r.dive.wastedBytes).toBe(8);
  });

  it('rejects a cut archive and one that is not an image', async () => {
    const bytes = archiveOf('02-whiteout');
    await expect(analyzeArchive(streamOf(bytes.subarray(0, 5000)), testPorts())).rejects.toMatchObject({ kind: 'invalid' });
    await expect(analyzeArchive(streamOf(new TextEncoder().encode('not a tar at all'.repeat(64))), testPorts())).rejects.toMatchObject({ kind: 'invalid' });
  });
});
