import { describe, expect, it } from 'vitest';
import { testPorts } from '../../test-support/memory.js';
import { readFixture, streamOf } from '../../test-support/node.js';
import { createEngine, storedAnalysisDocument } from './index.js';
import { ImageRecordReader } from './image-records.js';
import { IMAGE_ANALYSIS_NAMESPACE } from './insight.js';
import { ANALYSIS_DOCUMENT_NAMESPACE, analysisKey, keptAnalysisHead } from './kept-analysis.js';

describe('storedAnalysisDocument', () => {
  it('is the engine analysis, without an engine, and reads back the analysis the engine kept', async () => {
    const ports = testPorts();
    const engine = createEngine(ports);
    await engine.loadImages(streamOf(readFixture('images/01-base/image.tar')));
    await engine.loadImages(streamOf(readFixture('images/03-opaque/image.tar')));
    await engine.close();

    const fresh = await storedAnalysisDocument(ports, 'fixture/03-opaque:v1', { top: 5 });
    expect(fresh.summary.image.names).toEqual(['fixture/03-opaque:v1']);
    expect(fresh.report().honest).toMatchObject({ baseSource: 'image:busybox:local', baseLayers: 1 });
    const kept = [...ports.metadata.bytes.keys()].filter((k) => k.startsWith(`${IMAGE_ANALYSIS_NAMESPACE}/`));
    expect(kept).toHaveLength(1);

    const viaEngine = await createEngine({ ...ports }).analysisDocument('fixture/03-opaque:v1', { top: 5 });
    expect(Buffer.concat(viaEngine.json).toString()).toBe(Buffer.concat(fresh.json).toString());
    expect([...ports.metadata.bytes.keys()].filter((k) => k.startsWith(`${IMAGE_ANALYSIS_NAMESPACE}/`))).toEqual(kept);

    await expect(storedAnalysisDocument(ports, 'fixture/none:v1')).rejects.toThrow('No such image: fixture/none:v1');
  });
});

describe('the kept analysis, read without an engine (what `strata analyze` answers a repeated analysis from)', () => {
  const keptOf = async (ports: ReturnType<typeof testPorts>, name: string, options: { top?: number; base?: string } = {}) => {
    const key = await analysisKey(new ImageRecordReader(ports.metadata), ports.hasher, name, options);
    const head = await keptAnalysisHead(ports.metadata, key);
    return { key, head, document: await ports.metadata.getBytes(ANALYSIS_DOCUMENT_NAMESPACE, key.cacheKey) };
  };

  it('is found under the key the engine kept it under: summary and document byte for byte the engine document', async () => {
    const ports = testPorts();
    const engine = createEngine(ports);
    await engine.loadImages(streamOf(readFixture('images/01-base/image.tar')));
    await engine.loadImages(streamOf(readFixture('images/03-opaque/image.tar')));
    await engine.close();
    expect((await keptOf(ports, 'fixture/03-opaque:v1', { top: 5 })).head).toBeUndefined();

    const doc = await storedAnalysisDocument(ports, 'fixture/03-opaque:v1', { top: 5 });
    const kept = await keptOf(ports, 'fixture/03-opaque:v1', { top: 5 });
    expect(kept.key.key).toBe(`v3 ${kept.key.image.id.slice(7)} 5 1 image:busybox:local fixture/03-opaque:v1`);
    expect(kept.head!.summary).toEqual(JSON.parse(JSON.stringify(doc.summary)));
    expect(Buffer.from(kept.document!).toString()).toBe(Buffer.concat(doc.json).toString());
    expect(kept.head!.documentLength).toBe(kept.document!.byteLength);
    const viaEngine = await createEngine({ ...ports }).analysisDocument('fixture/03-opaque:v1', { top: 5 });
    expect(Buffer.from(kept.document!).toString()).toBe(Buffer.concat(viaEngine.json).toString());
    // By ID (and ID prefix) it is the same record: the key holds the image, not the name it was asked by.
    expect((await keptOf(ports, kept.key.image.id.slice(7, 19), { top: 5 })).key.cacheKey).toBe(kept.key.cacheKey);
  });

  it('is stale, and not found, when what the analysis depends on changed: list length, tags, base', async () => {
    const ports = testPorts();
    const engine = createEngine(ports);
    await engine.loadImages(streamOf(readFixture('images/01-base/image.tar')));
    await engine.loadImages(streamOf(readFixture('images/02-whiteout/image.tar')));
    await storedAnalysisDocument(ports, 'fixture/02-whiteout:v1', { top: 5 });
    expect((await keptOf(ports, 'fixture/02-whiteout:v1', { top: 5 })).head).toBeDefined();
    expect((await keptOf(ports, 'fixture/02-whiteout:v1', { top: 6 })).head).toBeUndefined();
    // Naming the base the store would find anyway is the same analysis.
    expect((await keptOf(ports, 'fixture/02-whiteout:v1', { top: 5, base: 'busybox:local' })).head).toBeDefined();
    await engine.tagImage('fixture/02-whiteout:v1', 'fixture/02-whiteout', 'also');
    // The image's names are in the document: a new tag makes a new analysis.
    const afterTag = await keptOf(ports, 'fixture/02-whiteout:v1', { top: 5 });
    expect(afterTag.head).toBeUndefined();
    const doc = await storedAnalysisDocument(ports, 'fixture/02-whiteout:v1', { top: 5 });
    expect(doc.summary.image.names).toEqual(['fixture/02-whiteout:also', 'fixture/02-whiteout:v1']);
    expect((await keptOf(ports, 'fixture/02-whiteout:also', { top: 5 })).head?.summary.image.names).toEqual(['fixture/02-whiteout:also', 'fixture/02-whiteout:v1']);
    // Removing the base image changes the base this one is measured against.
    await engine.removeImage('busybox:local');
    await expect(analysisKey(new ImageRecordReader(ports.metadata), ports.hasher, 'busybox:local')).rejects.toThrow('No such image: busybox:local');
    expect((await keptOf(ports, 'fixture/02-whiteout:v1', { top: 5 })).key.baseSource).toBe('first-layer');
    expect((await keptOf(ports, 'fixture/02-whiteout:v1', { top: 5 })).head).toBeUndefined();
    await engine.close();
  });

  it('is computed again when its document is not the one the head describes', async () => {
    const ports = testPorts();
    const engine = createEngine(ports);
    await engine.loadImages(streamOf(readFixture('images/02-whiteout/image.tar')));
    const first = await storedAnalysisDocument(ports, 'fixture/02-whiteout:v1');
    const { key } = await keptOf(ports, 'fixture/02-whiteout:v1');
    const whole = Buffer.concat(first.json);
    await ports.metadata.putBytes(ANALYSIS_DOCUMENT_NAMESPACE, key.cacheKey, [whole.subarray(0, 100)]);
    const again = await storedAnalysisDocument(ports, 'fixture/02-whiteout:v1');
    expect(Buffer.concat(again.json).equals(whole)).toBe(true);
    expect(Buffer.from((await keptOf(ports, 'fixture/02-whiteout:v1')).document!).equals(whole)).toBe(true);
    await engine.close();
  });
});
