import { createRequire } from 'node:module';

type Koffi = typeof import('koffi');

/** glibc through koffi, loaded once: undefined where it cannot be (not Linux, no koffi, no libc.so.6). */
let loaded: { koffi: Koffi; lib: ReturnType<Koffi['load']> } | null | undefined;

export function libc(): { koffi: Koffi; lib: ReturnType<Koffi['load']> } | undefined {
  if (loaded === undefined) {
    loaded = null;
    if (process.platform === 'linux') {
      try {
        const koffi = createRequire(import.meta.url)('koffi') as Koffi;
        loaded = { koffi, lib: koffi.load('libc.so.6') };
      } catch {
        loaded = null;
      }
    }
  }
  return loaded ?? undefined;
}

/**
 * The libc functions `declare` makes of the loaded library, made once: undefined where libc
 * cannot be loaded or a function is missing (an older glibc).
 */
export function libcFunctions<T>(declare: (lib: ReturnType<Koffi['load']>, koffi: Koffi) => T): () => T | undefined {
  let made: T | null | undefined;
  return () => {
    if (made === undefined) {
      const c = libc();
      try {
        made = c ? declare(c.lib, c.koffi) : null;
      } catch {
        made = null;
      }
    }
    return made ?? undefined;
  };
}
