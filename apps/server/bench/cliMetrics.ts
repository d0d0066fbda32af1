// What every benchmark that times the docker CLI against an engine shares: run counts from the
// environment, one docker call that fails as a metric (not the whole benchmark), wall-clock timing,
// medians, and Ctrl-C handling that stops daemons and unmounts before exiting.
import { runDocker, type DockerRun } from '../src/testing/dockerd.js';
import { CleanupStack } from './cleanupStack.js';
import type { BenchEngine } from './engines.js';
import { median } from './imageMetrics.js';

/** A measured figure (median of its runs) or why it could not be measured. */
export type Figure = { value: number; runs: number[] } | { failed: string };

/** A failure that costs one figure, not the benchmark. */
export class MetricFailure extends Error {}

/** A positive integer from the environment (`BENCH_..._RUNS`), or the fallback. */
export function runCount(variable: string, fallback: number): number {
  const value = Number(process.env[variable] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${variable} must be a positive integer, not ${process.env[variable]}`);
  return value;
}

/** The benchmark's cleanups and the signal its docker calls stop on: the first Ctrl-C aborts, the second cleans up and exits. */
export function benchSession(): { cleanups: CleanupStack; interrupt: AbortController } {
  const cleanups = new CleanupStack();
  const interrupt = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (!interrupt.signal.aborted) {
        console.error(`\n${signal}: stopping daemons, unmounting, removing temp dirs...`);
        interrupt.abort(new Error(`interrupted by ${signal}`));
        return;
      }
      void cleanups.runAll().finally(() => process.exit(130));
    });
  }
  return { cleanups, interrupt };
}

/** The first line of a command's output, short enough for a report. */
export const firstLine = (text: string): string => text.trim().split('\n')[0]?.slice(0, 160) ?? '';

/** One docker CLI call against the engine; a non-zero exit is a MetricFailure. */
export async function dockerOn(engine: BenchEngine, args: string[], options: { input?: string; signal?: AbortSignal } = {}): Promise<DockerRun> {
  options.signal?.throwIfAborted();
  const r = await runDocker(['-H', engine.host, ...args], { env: engine.env, ...options });
  if (r.code !== 0) throw new MetricFailure(`docker ${args.join(' ')} exited ${r.code}: ${firstLine(r.stderr || r.stdout)}`);
  return r;
}

/** Wall time of one docker CLI call in milliseconds, and its output. */
export async function timedDocker(engine: BenchEngine, args: string[], options: { input?: string; signal?: AbortSignal } = {}): Promise<{ ms: number; run: DockerRun }> {
  const start = process.hrtime.bigint();
  const run = await dockerOn(engine, args, options);
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, run };
}

/** The median of what `measure` returns, or the MetricFailure it threw as a failed figure. */
export async function figure(measure: () => Promise<number[]>): Promise<Figure> {
  try {
    const runs = await measure();
    return { value: median(runs), runs };
  } catch (err) {
    if (err instanceof MetricFailure) return { failed: err.message };
    throw err;
  }
}
