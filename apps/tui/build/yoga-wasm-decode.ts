import { readFile } from 'node:fs/promises';
import type { Plugin } from 'esbuild';

// Emscripten's decoder in yoga's loader: atob, then a JavaScript loop over each of the ~90,000 bytes.
const loopDecode = 'var b=xa(a.slice(37)),c=new Uint8Array(b.length);for(a=0;a<b.length;++a)c[a]=b.charCodeAt(a);var d=c';
const bufferDecode = 'var d=new Uint8Array(Buffer.from(a.slice(37),"base64"))';

/**
 * esbuild plugin: yoga (Ink's layout engine) carries its WebAssembly as base64 and decodes it byte by byte in
 * JavaScript at load, most of yoga's start-up; Node's own base64 decoder gives the same bytes at once.
 */
export const yogaWasmDecode: Plugin = {
  name: 'yoga-wasm-decode',
  setup(build) {
    build.onLoad({ filter: /[\\/]yoga-layout[\\/]dist[\\/]binaries[\\/]yoga-wasm-base64-esm\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      return source.includes(loopDecode) ? { contents: source.replace(loopDecode, bufferDecode), loader: 'js' } : undefined;
    });
  },
};
