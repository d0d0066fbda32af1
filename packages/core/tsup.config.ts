import { defineConfig } from 'tsup';

export default defineConfig({
  // The narrow entries share chunks with the main one (so StrataError is one class): see their files.
  entry: ['src/index.ts', 'src/kept-analysis.ts', 'src/errors/index.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
});
