import { readFile } from 'node:fs/promises';
import type { Plugin } from 'esbuild';

// An object with Intl.Segmenter's two methods that makes the real segmenter on first use.
const lazySegmenter =
  '((...options) => { let made; const real = () => (made ??= new Intl.Segmenter(...options)); return { segment: (text) => real().segment(text), resolvedOptions: () => real().resolvedOptions() }; })(';

/**
 * esbuild plugin: string-width, slice-ansi and ansi-tokenize each make an Intl.Segmenter when they load, and the
 * first one made loads ICU's break rules (15-30 ms of CPU), though a frame of narrow text never segments anything
 * (src/format/narrow-width.ts, src/ui/frame-grid.ts). Here each makes it when it first segments a string.
 */
export const lazyIntlSegmenter: Plugin = {
  name: 'lazy-intl-segmenter',
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/](string-width|slice-ansi|@alcalzone[\\/]ansi-tokenize)[\\/].*\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!source.includes('new Intl.Segmenter(')) return undefined;
      return { contents: source.replaceAll('new Intl.Segmenter(', lazySegmenter), loader: 'js' };
    });
  },
};
