import { readFile, writeFile } from 'node:fs/promises';
import { defineConfig, type Options } from 'tsup';
import { inkFrameGrid } from './build/ink-frame-grid';
import { inkWithoutDevtools } from './build/ink-without-devtools';
import { appLazyImports } from './build/app-lazy-imports';
import { scriptFromModule } from './src/cli/script-from-module';
import { lazyUnicodeData } from './build/lazy-unicode-data';
import { yogaWasmDecode } from './build/yoga-wasm-decode';
import { narrowStringWidth } from './build/narrow-string-width';
import { zodEnglishOnly } from './build/zod-english-only';

const shared: Options = {
  format: ['esm'],
  sourcemap: true,
  // The build script empties dist/ first: the two builds below run in parallel and must not clean each other's files.
  clean: false,
  target: 'node20',
  // Every module but the native addons goes into the bundle: Node resolves, reads and links each ES module
  // file on its own (and scans each CommonJS one for its exports), which cost the full-screen app about as
  // much time before its first frame as drawing it (Ink, React and their ~40 packages; the engine's ~120 files and zod).
  noExternal: [/^(?!node-unix-socket$|@napi-rs\/xattr$|koffi$|react-devtools-core$)/],
  // Native addons (prebuilt N-API binaries) cannot be bundled; they load from this package's own dependencies.
  // react-devtools-core is Ink's optional debugger (DEV=true), not a dependency.
  external: ['node-unix-socket', '@napi-rs/xattr', 'koffi', 'react-devtools-core'],
  esbuildPlugins: [zodEnglishOnly, narrowStringWidth, inkFrameGrid, lazyUnicodeData, yogaWasmDecode],
  // React's production build: the development one checks every render and is several times larger.
  define: { 'process.env.NODE_ENV': '"production"' },
  // Bundled CommonJS packages (signal-exit, stack-utils) require Node's built-in modules.
  banner: { js: "#!/usr/bin/env node\nimport { createRequire as __strataCreateRequire } from 'node:module';\nconst require = __strataCreateRequire(import.meta.url);" },
};

export default defineConfig([
  // The command line and the engine, split so that each command loads only its own chunks.
  // load-command and core-module are entries so that the app bundle can import them by name (build/app-lazy-imports.ts).
  { ...shared, entry: { cli: 'src/cli.tsx', 'load-command': 'src/cli/load-command.ts', 'core-module': 'src/cli/core-module.ts' } },
  // The full-screen app (Ink, React, screens) on its own (the entry reads dist/app.js by path), so that it can be
  // evaluated as one script with a V8 code cache (src/cli/code-cached-module.ts): it imports only Node's modules.
  {
    ...shared,
    entry: { app: 'src/cli/browse.tsx' },
    splitting: false,
    esbuildPlugins: [...shared.esbuildPlugins!, inkWithoutDevtools, appLazyImports],
    onSuccess: async () => {
      const script = scriptFromModule(await readFile('dist/app.js', 'utf8'));
      if (script === undefined) throw new Error('dist/app.js has an import or export that src/cli/script-from-module.ts does not rewrite');
      await writeFile('dist/app-script.js', script);
    },
  },
  // `strata analyze` on its own (the entry imports dist/analyze.js by path): bundled apart, it keeps only
  // the parts of the engine an analysis uses (a quarter of them), where a chunk shared with the app takes them all.
  { ...shared, entry: { analyze: 'src/cli/analyze-command.ts' }, splitting: false },
  // A repeated `strata analyze`, answered from the kept analysis: only the narrow entries of core and storage
  // (`@strata/core/kept-analysis`, `@strata/storage/read-only`), so neither the engine nor zod loads.
  { ...shared, entry: { 'analyze-kept': 'src/cli/kept-analysis-command.ts' }, splitting: false },
]);
