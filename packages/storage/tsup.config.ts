import { defineConfig } from 'tsup';

export default defineConfig({
  // read-only.ts: a narrow entry sharing chunks with the main one (see its file).
  entry: ['src/index.ts', 'src/read-only.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
});
