import type { Plugin } from 'esbuild';

/**
 * esbuild plugin: Ink imports its React devtools bridge (and with it react-devtools-core, which strata does not
 * ship) only when DEV=true. In one bundle esbuild would hoist that import to the top, so the bridge here is a
 * module that fails as Ink expects when react-devtools-core is missing (Ink then says how to install it).
 */
export const inkWithoutDevtools: Plugin = {
  name: 'ink-without-devtools',
  setup(build) {
    build.onResolve({ filter: /^\.\/devtools\.js$/ }, (args) => (/[\\/]ink[\\/]build$/.test(args.resolveDir) ? { path: 'ink-devtools', namespace: 'ink-without-devtools' } : undefined));
    build.onLoad({ filter: /.*/, namespace: 'ink-without-devtools' }, () => ({
      contents: "const missing = new Error('react-devtools-core is not bundled with strata'); missing.code = 'ERR_MODULE_NOT_FOUND'; throw missing;\n",
      loader: 'js',
    }));
  },
};
