import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/cli.tsx'],
  format: ['esm'],
  sourcemap: true,
  clean: true,
  target: 'node20',
  banner: { js: '#!/usr/bin/env node' },
  // The workspace packages and zod go into the bundle: resolving and linking their ~120 ES module
  // files cost every `strata` command more start-up time than running `strata analyze` on a kept analysis.
  noExternal: [/^@strata\//, 'zod'],
  // Native addons (prebuilt N-API binaries) cannot be bundled; they load from this package's own dependencies.
  external: ['node-unix-socket', '@napi-rs/xattr', 'koffi'],
});
