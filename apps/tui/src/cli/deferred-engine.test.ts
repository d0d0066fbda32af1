import { describe, expect, it } from 'vitest';
import { createEngine, type EngineEvent } from '@strata/core';
import { memoryPorts } from '@strata/storage';
import type { TuiEngine } from '../model/tui-engine.js';
import { fixtureArchive } from '../testing/fixture-archive.js';
import { deferredEngine } from './deferred-engine.js';

describe('an engine still loading', () => {
  it('answers calls made before it loaded once it has, and streams events from then on', async () => {
    let arrive!: (engine: TuiEngine) => void;
    const engine = deferredEngine(new Promise<TuiEngine>((r) => (arrive = r)));
    // Awaiting it gives the engine itself: it is not mistaken for a promise.
    expect(await Promise.resolve(engine)).toBe(engine);
    const listed = engine.listImages();
    const abort = new AbortController();
    const seen: EngineEvent[] = [];
    const following = (async () => {
      for await (const event of engine.events({ signal: abort.signal })) {
        seen.push(event);
        if (event.Action === 'load') abort.abort();
      }
    })().catch(() => undefined);
    const real = createEngine(memoryPorts());
    arrive(real);
    expect(await listed).toEqual([]);
    await engine.loadImages!(fixtureArchive('02-whiteout'));
    await following;
    expect(seen.map((e) => `${e.Type} ${e.Action}`)).toContain('image load');
    expect((await engine.listImages()).map((i) => i.RepoTags)).toEqual([['fixture/02-whiteout:v1']]);
    await real.close();
  });

  it('fails the calls of a method the engine turns out not to have, and all of them when it does not load', async () => {
    const partial = deferredEngine(Promise.resolve({ listImages: async () => [] } as unknown as TuiEngine));
    await expect(partial.pullImage!('busybox', {})).rejects.toThrow('this engine cannot pullImage');
    const failed = deferredEngine(Promise.reject(new Error('data root /x is in use by process 7')));
    await expect(failed.listContainers({ all: true })).rejects.toThrow('data root /x is in use by process 7');
  });
});
