// Exec benchmark: `docker exec <c> busybox true` latency, stratad against a real dockerd (the
// baseline), each on a fresh loop-mounted ext4, driven by the real docker CLI. Also an attached
// exec with piped stdin and output (`exec -i ... cat`). Prints figures and ratios; asserts nothing.
// (The fixture image has no /bin/true, only /bin/busybox and a few applet links: busybox's own
// `true` applet stands for the issue's `true`.)
// Environment: BENCH_EXEC_RUNS (default 20).
import { dockerCli, runDocker, type DockerRun } from '../src/testing/dockerd.js';
import { benchSession, dockerOn, firstLine, MetricFailure, runCount, type Figure } from './cliMetrics.js';
import { startBaselineDockerd, startStratad, type BenchEngine, type EngineUnavailable } from './engines.js';
import { median } from './imageMetrics.js';

const FIXTURE = '/work/shared/fixtures/images/01-base/image.tar';
const IMAGE = 'busybox:local';
const CONTAINER = 'execbench';
const PAYLOAD = 'ping\n';

const runs = runCount('BENCH_EXEC_RUNS', 20);

interface ExecFigures {
  version: string;
  execTrue: Figure;
  execStdin: Figure;
}

const { cleanups, interrupt } = benchSession();

const docker = (engine: BenchEngine, args: string[], input?: string): Promise<DockerRun> =>
  dockerOn(engine, args, { signal: interrupt.signal, ...(input !== undefined ? { input } : {}) });

/** Median wall time (ms) of `runs` docker CLI calls after two warm-ups; `check` vets each output. */
async function latency(engine: BenchEngine, args: string[], input: string | undefined, check: (r: DockerRun) => void): Promise<Figure> {
  try {
    for (let i = 0; i < 2; i++) check(await docker(engine, args, input));
    const ms: number[] = [];
    for (let i = 0; i < runs; i++) {
      const start = process.hrtime.bigint();
      const r = await docker(engine, args, input);
      ms.push(Number(process.hrtime.bigint() - start) / 1e6);
      check(r);
    }
    return { value: median(ms), runs: ms };
  } catch (err) {
    if (err instanceof MetricFailure) return { failed: err.message };
    throw err;
  }
}

async function measureExec(engine: BenchEngine): Promise<ExecFigures> {
  const version = (await docker(engine, ['version', '--format', '{{.Server.Version}}'])).stdout.trim();
  const loaded = await docker(engine, ['load', '-i', FIXTURE]);
  if (!loaded.stdout.includes(`Loaded image: ${IMAGE}`)) throw new Error(`docker load printed no "Loaded image: ${IMAGE}": ${firstLine(loaded.stdout)}`);
  await docker(engine, ['run', '-d', '--name', CONTAINER, IMAGE, 'sleep', '3600']);
  try {
    const execTrue = await latency(engine, ['exec', CONTAINER, 'busybox', 'true'], undefined, (r) => {
      if (r.stdout !== '') throw new MetricFailure(`docker exec true printed ${JSON.stringify(firstLine(r.stdout))}`);
    });
    const execStdin = await latency(engine, ['exec', '-i', CONTAINER, 'cat'], PAYLOAD, (r) => {
      if (r.stdout !== PAYLOAD) throw new MetricFailure(`docker exec -i cat printed ${JSON.stringify(r.stdout)}, expected ${JSON.stringify(PAYLOAD)}`);
    });
    return { version, execTrue, execStdin };
  } finally {
    await docker(engine, ['rm', '-f', CONTAINER]).catch(() => undefined);
  }
}

type Column = ExecFigures | { unavailable: string };

async function engineColumn(start: () => Promise<BenchEngine | EngineUnavailable>): Promise<Column> {
  interrupt.signal.throwIfAborted();
  const engine = await start();
  if ('unavailable' in engine) {
    console.log(`${engine.name}: not available (${engine.unavailable})`);
    return { unavailable: engine.unavailable };
  }
  try {
    const started = Date.now();
    const figures = await measureExec(engine);
    console.log(`${engine.name} ${figures.version} on ${engine.filesystem}: measured in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return figures;
  } catch (err) {
    if (err instanceof MetricFailure) {
      console.log(`${engine.name}: ${err.message}`);
      return { unavailable: err.message };
    }
    throw err;
  } finally {
    await engine.stop();
  }
}

const rows: Array<{ key: 'execTrue' | 'execStdin'; label: string; goal: number }> = [
  { key: 'execTrue', label: `docker exec <c> busybox true`, goal: 1 },
  { key: 'execStdin', label: `echo ping | docker exec -i <c> cat`, goal: 1 },
];

function formatReport(dockerd: Column, strata: Column): string[] {
  const figureOf = (c: Column, key: (typeof rows)[number]['key']) => ('unavailable' in c ? undefined : c[key]);
  const cell = (f: Figure | undefined) => (f === undefined ? 'n/a' : 'failed' in f ? 'failed' : f.value.toFixed(1));
  const table = [['metric (ms, median)', 'dockerd', 'strata', 'strata/dockerd', 'goal', 'met']];
  for (const row of rows) {
    const d = figureOf(dockerd, row.key);
    const s = figureOf(strata, row.key);
    const r = d && s && !('failed' in d) && !('failed' in s) ? s.value / d.value : undefined;
    table.push([row.label, cell(d), cell(s), r === undefined ? '-' : `${r.toFixed(2)}x`, `<= ${row.goal}x`, r === undefined ? '' : r <= row.goal ? 'yes' : 'no']);
  }
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  const lines = table.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('   '));
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('   '));
  for (const [name, column] of [['dockerd', dockerd], ['strata', strata]] as const) {
    if ('unavailable' in column) continue;
    for (const row of rows) {
      const f = column[row.key];
      lines.push('failed' in f ? `${name} ${row.label}: failed: ${f.failed}` : `${name} ${row.label} runs (ms): ${f.runs.map((v) => v.toFixed(1)).join(', ')}`);
    }
  }
  return lines;
}

async function main(): Promise<void> {
  const cli = dockerCli();
  if (!cli) throw new Error('docker CLI not found (/usr/local/bin/docker or /usr/bin/docker)');
  console.log(`strata exec benchmark: docker CLI (${cli}), image ${IMAGE}, ${runs} runs per figure (medians)`);
  // One engine at a time, so that neither competes with the other for the cores.
  const dockerd = await engineColumn(() => startBaselineDockerd(cleanups));
  const strata = await engineColumn(() => startStratad(cleanups));
  console.log('');
  for (const line of formatReport(dockerd, strata)) console.log(line);
}

try {
  await main();
} catch (err) {
  if (interrupt.signal.aborted) {
    process.exitCode = 130;
  } else {
    console.error(`benchmark failed: ${(err as Error).stack ?? err}`);
    process.exitCode = 1;
  }
} finally {
  await cleanups.runAll();
}
