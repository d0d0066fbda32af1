import type { Plugin } from 'esbuild';

// What the app imports lazily, and the command build's module that provides it (an entry there, so its name is fixed).
const providers: Record<string, string> = { '@strata/core': './core-module.js', './load-command.js': './load-command.js' };

/**
 * esbuild plugin for the app bundle: its lazy imports (import()) of the engine's code stay imports of the command
 * build's modules beside it, as they were when the app was a chunk of that build, instead of copies inlined here.
 */
export const appLazyImports: Plugin = {
  name: 'app-lazy-imports',
  setup(build) {
    build.onResolve({ filter: /^(@strata\/core|\.\/load-command\.js)$/ }, (args) => (args.kind === 'dynamic-import' ? { path: providers[args.path], external: true } : undefined));
  },
};
