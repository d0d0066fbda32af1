import { parseArguments, usage } from './cli/arguments.js';
import { fail, openOrExplain } from './cli/open-or-explain.js';
import { LoadSourceError, openLoadSource, runLoad } from './cli/load-command.js';
import packageJson from '../package.json';

async function load(dataRoot: string | undefined, input: string | undefined): Promise<number> {
  let archive: ReadableStream<Uint8Array>;
  try {
    archive = await openLoadSource({ input, stdin: process.stdin });
  } catch (e) {
    if (e instanceof LoadSourceError) return fail(e.message);
    throw e;
  }
  const embedded = await openOrExplain(dataRoot);
  if (typeof embedded === 'number') return embedded;
  try {
    await runLoad(embedded.engine, archive, (line) => process.stdout.write(`${line}\n`));
    return 0;
  } catch (e) {
    return fail(e instanceof Error ? e.message : String(e));
  } finally {
    await embedded.close();
  }
}

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
    case 'load':
      return load(invocation.dataRoot, invocation.input);
    case 'analyze': {
      const { runAnalyze } = await import('./cli/analyze-command.js');
      return runAnalyze(invocation.dataRoot, invocation.args, { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) });
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
      const { browse } = await withoutCiVariables(process.stdout.isTTY === true, () => import('./cli/browse.js'));
      return browse({ dataRoot: invocation.dataRoot, host: invocation.host, dockerHostEnv: process.env.DOCKER_HOST || undefined });
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
