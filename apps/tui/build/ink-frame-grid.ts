import { dirname, join } from 'node:path';
import type { Plugin } from 'esbuild';

const frameGridModule = join(dirname(new URL(import.meta.url).pathname), '..', 'src', 'ui', 'frame-grid.ts');

/**
 * esbuild plugin: Ink's renderer composes every frame in src/ui/frame-grid.ts instead of its own
 * ink/build/output.js, which gives the same output (its tests compare the two) at a fraction of the cost.
 */
export const inkFrameGrid: Plugin = {
  name: 'ink-frame-grid',
  setup(build) {
    build.onResolve({ filter: /^\.\/output\.js$/ }, (args) => (/[\\/]ink[\\/]build$/.test(args.resolveDir) ? { path: frameGridModule } : undefined));
  },
};
