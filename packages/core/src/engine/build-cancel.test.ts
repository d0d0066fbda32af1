import { describe, expect, it } from 'vitest';
import { testPorts } from '../../test-support/memory.js';
import { collect, readFixture, streamOf } from '../../test-support/node.js';
import type { BuildEvent } from '../build/index.js';
import { tarEntry, writeTar } from '../layer/index.js';
import { BuildCancelled, createEngine } from './index.js';

const DOCKERFILE = 'FROM busybox:local\nENV A=1\nCOPY a.txt /a.txt\nLABEL done=yes\n';

async function context(): Promise<ReadableStream<Uint8Array>> {
  const file = (path: string, body: string) => ({ ...tarEntry({ path, type: 'file', size: body.length, mtime: 1_700_000_000 }), body: new TextEncoder().encode(body) });
  return streamOf(await collect(writeTar([file('Dockerfile', DOCKERFILE), file('a.txt', 'a\n')], { mode: 'fresh' })));
}

describe('engine: cancelling a build', () => {
  it('stops before the next step once the signal aborts, and tags nothing', async () => {
    const ports = testPorts();
    const engine = createEngine(ports);
    await engine.loadImages(streamOf(readFixture('images/01-base/image.tar')));
    const imagesBefore = (await engine.listImages({ all: true })).length;
    const abort = new AbortController();
    const steps: string[] = [];
    const build = engine.buildImage(await context(), { tags: ['cancel:v1'], signal: abort.signal }, (e: BuildEvent) => {
      if (e.kind === 'step') steps.push(e.instruction);
      // Abort once step 2 has made its image: step 3 must not start.
      if (e.kind === 'image' && steps.length === 2) abort.abort();
    });
    await expect(build).rejects.toThrow(BuildCancelled);
    await expect(build).rejects.toThrow('context canceled');
    expect(steps).toEqual(['FROM busybox:local', 'ENV A=1']);
    // Step 2's image stays (listed as <none>, as an interrupted classic build leaves it); no tag is set.
    expect((await engine.listImages()).flatMap((i) => i.RepoTags).sort()).toEqual(['<none>:<none>', 'busybox:local']);
    expect((await engine.listImages({ all: true })).length).toBe(imagesBefore + 1);
  });

  it('an already aborted signal stops the build before its first step', async () => {
    const engine = createEngine(testPorts());
    await engine.loadImages(streamOf(readFixture('images/01-base/image.tar')));
    const events: BuildEvent[] = [];
    await expect(engine.buildImage(await context(), { signal: AbortSignal.abort() }, (e) => events.push(e))).rejects.toThrow('context canceled');
    expect(events.filter((e) => e.kind === 'step')).toEqual([]);
  });
});
