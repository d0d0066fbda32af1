// The entry stays tiny: it parses the command line and imports only what the command needs, so
// `strata --version` loads no other module, `strata analyze` no Ink or React, and the app no analysis code.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultDataRoot } from '@strata/storage/read-only';
import { parseArguments, usage } from './cli/arguments.js';
import packageJson from '../package.json';

async function withoutCiVariables<T>(hide: boolean, work: () => Promise<T>): Promise<T> {
  if (!hide) return work();
  const saved = { CI: process.env.CI, CONTINUOUS_INTEGRATION: process.env.CONTINUOUS_INTEGRATION };
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
  try {
    return await work();
  } finally {
    for (const [name, value] of Object.entries(saved)) if (value !== undefined) process.env[name] = value;
  }
}

/**
 * Runs `work` with the global fetch hidden. Ink's layout engine (yoga, WebAssembly inlined as base64)
 * decodes its binary with fetch when there is one, and the first fetch loads all of undici: about a
 * third of the app's start-up CPU. Without fetch it decodes the same bytes directly.
 */
async function withoutFetch<T>(work: () => Promise<T>): Promise<T> {
  const saved = Object.getOwnPropertyDescriptor(globalThis, 'fetch');
  if (!saved?.configurable) return work();
  Object.defineProperty(globalThis, 'fetch', { value: undefined, configurable: true, writable: true });
  try {
    return await work();
  } finally {
    Object.defineProperty(globalThis, 'fetch', saved);
  }
}

async function main(argv: string[]): Promise<number> {
  const invocation = parseArguments(argv);
  switch (invocation.command) {
    case 'help':
      process.stdout.write(usage);
      return 0;
    case 'version':
      process.stdout.write(`strata version ${packageJson.version}\n`);
      return 0;
    case 'invalid':
      process.stderr.write(`strata: ${invocation.message}\nSee 'strata --help'.\n`);
      return 125;
    case 'load': {
      const { loadIntoDataRoot } = await import('./cli/load-command.js');
      return loadIntoDataRoot(invocation.dataRoot, invocation.input);
    }
    case 'analyze': {
      const out = { stdout: (s: string | Uint8Array) => process.stdout.write(s), stderr: (s: string) => process.stderr.write(s) };
      // Paths the bundler leaves alone: dist/analyze-kept.js and dist/analyze.js are bundles of their own (see tsup.config.ts).
      // The small one answers from the analysis the store kept; what it cannot answer, the full one does.
      const keptBundle = './analyze-kept.js';
      const { runKeptAnalysis } = (await import(keptBundle)) as typeof import('./cli/kept-analysis-command.js');
      const answered = await runKeptAnalysis(invocation.dataRoot, invocation.args, out);
      if (answered !== undefined) return answered;
      const analyzeBundle = './analyze.js';
      const { runAnalyze } = (await import(analyzeBundle)) as typeof import('./cli/analyze-command.js');
      return runAnalyze(invocation.dataRoot, invocation.args, out);
    }
    case 'dockerfile': {
      const { runDockerfile } = await import('./cli/dockerfile-command.js');
      return runDockerfile(invocation.args, { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) });
    }
    case 'app': {
      // Ink and React load only for the full-screen app, so `strata load` starts fast.
      // Ink decides once, when it is imported, whether it runs "in CI" (CI or CONTINUOUS_INTEGRATION set) and then
      // draws nothing until it exits. A person at a terminal inside a CI job's shell still wants the screen, so when
      // stdout is a terminal the variables are hidden from that import and put back right after.
      // dist/app.js is a bundle of its own (see tsup.config.ts), evaluated from its script form (dist/app-script.js)
      // with a V8 code cache kept in the data root (tui-cache/).
      const { codeCacheFile, importWithCodeCache } = await import('./cli/code-cached-module.js');
      const [appScript, appModule] = ['./app-script.js', './app.js'].map((name) => fileURLToPath(new URL(name, import.meta.url)));
      const app = await withoutCiVariables(process.stdout.isTTY === true, () =>
        withoutFetch(() =>
          importWithCodeCache<typeof import('./cli/browse.js')>(appScript, appModule, codeCacheFile(appScript, resolve(invocation.dataRoot ?? defaultDataRoot()))),
        ),
      );
      // The code V8 compiled for the first frame (and the lists that follow it) is kept a second after the frame,
      // or when the app ends before that; not when this start came from a kept cache.
      let framed = false;
      let keeping: Promise<boolean> | undefined;
      const keepCache = () => (keeping ??= app.cache === 'used' ? Promise.resolve(false) : app.saveCache());
      const status = await app.exports.browse(
        { dataRoot: invocation.dataRoot, host: invocation.host, dockerHostEnv: process.env.DOCKER_HOST || undefined },
        {
          openEngineSource: async (choice) => (await import('./cli/engine-source.js')).openEngineSource(choice),
          openLoadSource: async (source) => (await import('./cli/load-command.js')).openLoadSource(source),
          afterFirstFrame: () => {
            framed = true;
            setTimeout(() => void keepCache(), 1000).unref();
          },
        },
      );
      if (framed) await keepCache();
      return status;
    }
  }
}

main(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status;
    // Ink and open handles must not keep a finished command alive.
    setImmediate(() => process.exit(status));
  },
  (e: unknown) => {
    process.stderr.write(`strata: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
