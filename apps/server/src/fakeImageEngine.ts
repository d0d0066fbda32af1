// Test support: an ImageEngine that answers only what a test gives it, for wire-format checks.
// End-to-end tests run the real engine; this one never decides anything itself.
import type { ImageEngine } from '@strata/core';

/** An engine whose methods are the given ones; any other call fails the test loudly. */
export function fakeImageEngine(methods: Partial<ImageEngine>): ImageEngine & { calls: Array<[string, unknown[]]> } {
  const calls: Array<[string, unknown[]]> = [];
  const names: Array<keyof ImageEngine> = [
    'listImages', 'inspectImage', 'imageHistory', 'tagImage', 'removeImage', 'pruneImages',
    'loadImages', 'saveImages', 'importImage', 'diskUsage', 'events',
  ];
  const engine = { calls } as unknown as ImageEngine & { calls: typeof calls };
  for (const name of names) {
    (engine as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
      calls.push([name, args]);
      const impl = methods[name] as ((...a: unknown[]) => unknown) | undefined;
      if (!impl) throw new Error(`fake engine: ${name} was not expected in this test`);
      return impl(...args);
    };
  }
  return engine;
}
