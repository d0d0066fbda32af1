import { dirname, join } from 'node:path';
import type { Plugin } from 'esbuild';

const narrowWidthModule = join(dirname(new URL(import.meta.url).pathname), '..', 'src', 'format', 'narrow-width.ts');

/**
 * esbuild plugin: every `string-width` the bundle imports (Ink measures each text with it, and its
 * helpers do) answers strings of one-column characters (and SGR escapes) by their length (src/format/narrow-width.ts)
 * and asks the real string-width only about the rest (emoji, East Asian wide characters, escapes).
 */
export const narrowStringWidth: Plugin = {
  name: 'narrow-string-width',
  setup(build) {
    build.onResolve({ filter: /^string-width$/ }, async (args) => {
      if (args.pluginData === 'real') return undefined;
      const real = await build.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, importer: args.importer, pluginData: 'real' });
      if (real.errors.length > 0) return { errors: real.errors };
      return { path: real.path, namespace: 'narrow-string-width' };
    });
    build.onLoad({ filter: /.*/, namespace: 'narrow-string-width' }, (args) => ({
      contents: [
        `import realStringWidth from ${JSON.stringify(args.path)};`,
        `import { narrowWidth } from ${JSON.stringify(narrowWidthModule)};`,
        // ambiguousIsNarrow: false makes box drawing, arrows and … two columns wide: then only the real one knows.
        'export default function stringWidth(text, options) {',
        "  const narrow = typeof text === 'string' && options?.ambiguousIsNarrow !== false && options?.countAnsiEscapeCodes !== true ? narrowWidth(text) : undefined;",
        '  return narrow ?? realStringWidth(text, options);',
        '}',
      ].join('\n'),
      resolveDir: dirname(args.path),
      loader: 'js',
    }));
  },
};
