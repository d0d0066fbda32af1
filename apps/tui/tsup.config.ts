import { defineConfig } from 'tsup';
import { zodEnglishOnly } from './build/zod-english-only';

export default defineConfig({
  entry: ['src/cli.tsx'],
  format: ['esm'],
  sourcemap: true,
  clean: true,
  target: 'node20',
  // Every module but the native addons goes into the bundle: Node resolves, reads and links each ES module
  // file on its own (and scans each CommonJS one for its exports), which cost the full-screen app about as
  // much time before its first frame as drawing it (Ink, React and their ~40 packages; the engine's ~120 files and zod).
  noExternal: [/^(?!node-unix-socket$|@napi-rs\/xattr$|react-devtools-core$)/],
  // Native addons (prebuilt N-API binaries) cannot be bundled; they load from this package's own dependencies.
  // react-devtools-core is Ink's optional debugger (DEV=true), not a dependency.
  external: ['node-unix-socket', '@napi-rs/xattr', 'react-devtools-core'],
  esbuildPlugins: [zodEnglishOnly],
  // React's production build: the development one checks every render and is several times larger.
  define: { 'process.env.NODE_ENV': '"production"' },
  // Bundled CommonJS packages (signal-exit, stack-utils) require Node's built-in modules.
  banner: { js: "#!/usr/bin/env node\nimport { createRequire as __strataCreateRequire } from 'node:module';\nconst require = __strataCreateRequire(import.meta.url);" },
});
