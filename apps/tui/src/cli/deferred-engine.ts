import type { TuiEngine } from '../model/tui-engine.js';

/** Engine methods that hand back a stream at once rather than a promise. */
const streaming = new Set(['events', 'containerStats']);

/**
 * An engine that is still loading, usable already: each call waits for `ready` and goes to the
 * engine it gives (streams start once it is there). The app draws its first frame from the store's
 * index on one of these while the engine's code loads; once it has loaded, calls go straight through.
 * Before then every method looks present; one the engine turns out not to have fails when called.
 */
export function deferredEngine(ready: Promise<TuiEngine>): TuiEngine {
  let engine: TuiEngine | undefined;
  ready.then(
    (e) => (engine = e),
    () => undefined,
  );
  const method = async (name: string, args: unknown[]): Promise<unknown> => {
    const e = (await ready) as unknown as Record<string, unknown>;
    const f = e[name];
    if (typeof f !== 'function') throw new Error(`this engine cannot ${name}`);
    return (f as (...a: unknown[]) => unknown).apply(e, args);
  };
  return new Proxy({} as TuiEngine, {
    get(_, name) {
      if (engine) {
        const value = (engine as unknown as Record<string | symbol, unknown>)[name];
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(engine) : value;
      }
      // Not a promise itself: `await` and Promise.resolve must not take it for one.
      if (typeof name !== 'string' || name === 'then') return undefined;
      if (streaming.has(name)) {
        return (...args: unknown[]) =>
          (async function* () {
            yield* (await method(name, args)) as AsyncIterable<unknown>;
          })();
      }
      return (...args: unknown[]) => method(name, args);
    },
  });
}
