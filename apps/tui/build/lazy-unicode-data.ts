import { readFile } from 'node:fs/promises';
import type { Plugin } from 'esbuild';

// An object with Intl.Segmenter's two methods that makes the real segmenter on first use.
const lazySegmenter =
  '((...options) => { let made; const real = () => (made ??= new Intl.Segmenter(...options)); return { segment: (text) => real().segment(text), resolvedOptions: () => real().resolvedOptions() }; })(';

// string-width's emoji test, a regular expression over the set of RGI emoji strings, made on first use. Only when
// the module uses it for .test() alone: a stand-in object would not do for match, search or replace.
const rgiEmojiDeclaration = 'const rgiEmojiRegex = /^\\p{RGI_Emoji}$/v;';
const lazyRgiEmoji = 'let rgiEmojiRegexMade; const rgiEmojiRegex = { test: (text) => (rgiEmojiRegexMade ??= /^\\p{RGI_Emoji}$/v).test(text) };';

/**
 * esbuild plugin: string-width, slice-ansi and ansi-tokenize build Unicode tables when they load, though a frame of
 * one-column text never needs them (src/format/narrow-width.ts, src/ui/frame-grid.ts): each makes an
 * Intl.Segmenter (the first one made loads ICU's break rules, 15-30 ms of CPU), and string-width compiles its RGI
 * emoji expression (the set of every emoji sequence, 25-45 ms). Here each is made when first used.
 */
export const lazyUnicodeData: Plugin = {
  name: 'lazy-unicode-data',
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/](string-width|slice-ansi|@alcalzone[\\/]ansi-tokenize)[\\/].*\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      let contents = source.replaceAll('new Intl.Segmenter(', lazySegmenter);
      const uses = contents.split('rgiEmojiRegex').length - 1;
      if (contents.includes(rgiEmojiDeclaration) && uses === 1 + (contents.split('rgiEmojiRegex.test(').length - 1)) {
        contents = contents.replace(rgiEmojiDeclaration, lazyRgiEmoji);
      }
      return contents === source ? undefined : { contents, loader: 'js' };
    });
  },
};
