import { dirname, join } from 'node:path';
import type { Plugin } from 'esbuild';

/**
 * esbuild plugin: zod's namespaces re-export all of its ~50 message locales (`z.locales`), a
 * third of the engine's bundled code that every command parsed and evaluated at start. Strata
 * only uses the English messages zod installs by default, so `z.locales` keeps `en` alone.
 */
export const zodEnglishOnly: Plugin = {
  name: 'zod-english-only',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => {
      if (!/[\\/]zod[\\/]v4[\\/](classic|core)$/.test(args.resolveDir)) return undefined;
      return { path: join(args.resolveDir, '..', 'locales', 'en.js'), namespace: 'zod-english-only' };
    });
    build.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(args.path)};\n`,
      resolveDir: dirname(args.path),
    }));
  },
};
