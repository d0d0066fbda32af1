// Build benchmark: `DOCKER_BUILDKIT=0 docker build` of an 8-step Dockerfile with a 2,000-file
// context, stratad against a private real dockerd (the classic builder is the baseline), each on a
// fresh loop-mounted ext4, driven by the real docker CLI. Prints figures and ratios; asserts nothing.
//   cold:    a build with --no-cache (the first one on a fresh engine, then repeats)
//   cached:  the same build again, every step from the cache
//   changed: one file used only by the last COPY changed, so only that step is rebuilt
// Environment: BENCH_BUILD_RUNS (default 5).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dockerCli, runDocker } from '../src/testing/dockerd.js';
import { CleanupStack } from './cleanupStack.js';
import { startBaselineDockerd, startStratad, type BenchEngine, type EngineUnavailable } from './engines.js';
import { median } from './imageMetrics.js';
import { SeededRandom } from './seededRandom.js';

const FIXTURE = '/work/shared/fixtures/images/01-base/image.tar';
const FILES = 2000;
const RUNS = Number(process.env.BENCH_BUILD_RUNS ?? 5);

const DOCKERFILE = `FROM busybox:local
ENV APP=/app
WORKDIR /app
COPY src/ /app/src/
RUN busybox find /app/src -type f > /app/files.txt
LABEL bench=build
EXPOSE 8080
COPY last.txt /app/last.txt
`;

interface BuildFigures {
  cold: number[];
  cached: number[];
  changed: number[];
}

const cleanups = new CleanupStack();

async function makeContext(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'strata-build-bench-'));
  cleanups.push('build context', () => rm(dir, { recursive: true, force: true }));
  const random = new SeededRandom(7);
  await writeFile(join(dir, 'Dockerfile'), DOCKERFILE);
  await writeFile(join(dir, 'last.txt'), 'last 0\n');
  for (let d = 0; d < 40; d++) {
    await mkdir(join(dir, 'src', `d${d}`), { recursive: true });
    for (let f = 0; f < FILES / 40; f++) {
      await writeFile(join(dir, 'src', `d${d}`, `f${f}.txt`), random.bytes(random.int(200, 3200)));
    }
  }
  return dir;
}

async function timedBuild(engine: BenchEngine, context: string, extra: string[] = []): Promise<{ seconds: number; stdout: string }> {
  const started = process.hrtime.bigint();
  const r = await runDocker(['-H', engine.host, 'build', '--network', 'none', '-t', 'bench/build:v1', ...extra, context], {
    env: { ...engine.env, DOCKER_BUILDKIT: '0' },
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.code !== 0) throw new Error(`${engine.name}: docker build exited ${r.code}: ${(r.stderr || r.stdout).trim().split('\n').slice(-2).join(' ')}`);
  return { seconds, stdout: r.stdout };
}

async function measure(engine: BenchEngine, context: string): Promise<BuildFigures> {
  const load = await runDocker(['-H', engine.host, 'load', '-i', FIXTURE], { env: engine.env });
  if (load.code !== 0) throw new Error(`${engine.name}: docker load failed: ${load.stderr}`);
  const figures: BuildFigures = { cold: [], cached: [], changed: [] };
  for (let i = 0; i < RUNS; i++) figures.cold.push((await timedBuild(engine, context, ['--no-cache'])).seconds);
  for (let i = 0; i < RUNS; i++) {
    const r = await timedBuild(engine, context);
    const cachedSteps = r.stdout.split('\n').filter((l) => l === ' ---> Using cache').length;
    if (cachedSteps !== 7) throw new Error(`${engine.name}: a rebuild took ${cachedSteps} of 7 steps from the cache`);
    figures.cached.push(r.seconds);
  }
  for (let i = 0; i < RUNS; i++) {
    await writeFile(join(context, 'last.txt'), `last ${engine.name} ${i + 1}\n`);
    const r = await timedBuild(engine, context);
    const cachedSteps = r.stdout.split('\n').filter((l) => l === ' ---> Using cache').length;
    if (cachedSteps !== 6) throw new Error(`${engine.name}: after a one-file change ${cachedSteps} of 7 steps came from the cache`);
    figures.changed.push(r.seconds);
  }
  return figures;
}

async function column(start: () => Promise<BenchEngine | EngineUnavailable>, context: string): Promise<BuildFigures | string> {
  const engine = await start();
  if ('unavailable' in engine) return engine.unavailable;
  try {
    console.log(`${engine.name} on ${engine.filesystem}: measuring...`);
    return await measure(engine, context);
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  } finally {
    await engine.stop();
  }
}

const fmt = (runs: number[]): string => `${median(runs).toFixed(3)} s (${Math.min(...runs).toFixed(3)}-${Math.max(...runs).toFixed(3)})`;

async function main(): Promise<void> {
  if (!dockerCli()) {
    console.log('build benchmark: no docker CLI, nothing measured');
    return;
  }
  console.log(`strata build benchmark: 8-step Dockerfile, ${FILES}-file context, ${RUNS} runs each, DOCKER_BUILDKIT=0`);
  const context = await makeContext();
  const dockerd = await column(() => startBaselineDockerd(cleanups), context);
  await writeFile(join(context, 'last.txt'), 'last 0\n');
  const strata = await column(() => startStratad(cleanups), context);
  console.log('');
  console.log('| build | dockerd (classic) | strata | ratio (goal) |');
  console.log('|---|---|---|---|');
  const goals = { cold: 0.7, cached: 0.3, changed: undefined } as const;
  for (const key of ['cold', 'cached', 'changed'] as const) {
    const d = typeof dockerd === 'string' ? undefined : dockerd[key];
    const s = typeof strata === 'string' ? undefined : strata[key];
    const ratio = d && s ? `${(median(s) / median(d)).toFixed(2)}x${goals[key] ? ` (<= ${goals[key]}x)` : ''}` : '-';
    console.log(`| ${key} | ${d ? fmt(d) : String(dockerd)} | ${s ? fmt(s) : String(strata)} | ${ratio} |`);
  }
  await cleanups.runAll();
}

main().catch(async (e: unknown) => {
  console.error(e);
  await cleanups.runAll();
  process.exit(1);
});
