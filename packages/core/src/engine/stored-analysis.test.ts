import { describe, expect, it } from 'vitest';
import { testPorts } from '../../test-support/memory.js';
import { readFixture, streamOf } from '../../test-support/node.js';
import { createEngine, storedAnalysisDocument } from './index.js';
import { IMAGE_ANALYSIS_NAMESPACE } from './insight.js';

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
