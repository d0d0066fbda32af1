// Build benchmark: the classic builder's `docker build` of an 8-step Dockerfile with a 2,000-file
// context, stratad against a private real dockerd (the baseline), each on a fresh loop-mounted
// ext4. Prints figures and ratios; asserts nothing.
//   cold:    a build with --no-cache (the first one on a fresh engine, then repeats)
//   cached:  the same build again, every step from the cache
//   changed: one file used only by the last COPY changed, so only that step is rebuilt
// Each is measured twice: with the real docker CLI (DOCKER_BUILDKIT=0: what a user sees, the CLI's
// walking and tarring of the context included), and with one client that is the same for both
// engines (POST /build over the socket with the context tar already in memory, the query and
// headers the CLI sends): the engines' own work. The CLI alone, against a server that drains the
// context and builds nothing, shows how much of a CLI figure is the CLI's.
// The engines take turns run by run, so a change in the machine's load hits both alike.
// Environment: BENCH_BUILD_RUNS (default 5).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { dockerCli, runDocker } from '../src/testing/dockerd.js';
import { postBuild, withFileContent } from './apiBuild.js';
import { type CapturedBuild, createBuildCapture } from './buildCapture.js';
import { CleanupStack } from './cleanupStack.js';
import { startBaselineDockerd, startStratad, type BenchEngine } from './engines.js';
import { median } from './imageMetrics.js';
import { SeededRandom } from './seededRandom.js';

const FIXTURE = '/work/shared/fixtures/images/01-base/image.tar';
const FILES = 2000;
const RUNS = Number(process.env.BENCH_BUILD_RUNS ?? 5);
const STEPS = 7;

const DOCKERFILE = `FROM busybox:local
ENV APP=/app
WORKDIR /app
COPY src/ /app/src/
RUN busybox find /app/src -type f > /app/files.txt
LABEL bench=build
EXPOSE 8080
COPY last.txt /app/last.txt
`;

type Kind = 'cold' | 'cached' | 'changed';
type Client = 'cli' | 'api';
const KINDS: Kind[] = ['cold', 'cached', 'changed'];
const GOALS: Record<Kind, number | undefined> = { cold: 0.7, cached: 0.3, changed: undefined };
/** Steps each kind must take from the cache, so a figure is never of the wrong build. */
const CACHED_STEPS: Record<Kind, number> = { cold: 0, cached: STEPS, changed: STEPS - 1 };

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

const cachedSteps = (output: string): number => output.split('\n').filter((l) => l === ' ---> Using cache').length;

async function cliBuild(host: string, env: Record<string, string>, context: string, extra: string[]): Promise<{ seconds: number; output: string }> {
  const started = process.hrtime.bigint();
  const r = await runDocker(['-H', host, 'build', '--network', 'none', '-t', 'bench/build:v1', ...extra, context], { env: { ...env, DOCKER_BUILDKIT: '0' } });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.code !== 0) throw new Error(`docker build exited ${r.code}: ${(r.stderr || r.stdout).trim().split('\n').slice(-2).join(' ')}`);
  return { seconds, output: r.stdout };
}

/** The docker CLI against a server that drains the context: the CLI's own time, and the request it sends. */
async function cliAlone(context: string): Promise<{ runs: number[]; build: CapturedBuild }> {
  const dir = await mkdtemp(join(tmpdir(), 'strata-build-capture-'));
  cleanups.push('capture dir', () => rm(dir, { recursive: true, force: true }));
  const capture = createBuildCapture();
  const socket = join(dir, 'capture.sock');
  await new Promise<void>((resolve, reject) => {
    capture.server.once('error', reject);
    capture.server.listen(socket, () => resolve());
  });
  const close = cleanups.push('capture server', async () => {
    capture.server.closeAllConnections();
    await new Promise<void>((resolve) => capture.server.close(() => resolve()));
  });
  await mkdir(join(dir, 'cli'));
  const runs: number[] = [];
  for (let i = 0; i < RUNS; i++) runs.push((await cliBuild(`unix://${socket}`, { DOCKER_CONFIG: join(dir, 'cli') }, context, [])).seconds);
  await close();
  const build = capture.builds.at(-1);
  if (!build) throw new Error('the docker CLI sent no build to the capture server');
  return { runs, build };
}

/** One engine's figures: seconds per run, by client and kind. */
type Figures = Record<Client, Record<Kind, number[]>>;

/** Runs one build of `kind` by `client` on `engine` (run `i` of its kind) and returns its seconds. */
async function measureOne(engine: BenchEngine, client: Client, kind: Kind, i: number, context: string, captured: CapturedBuild): Promise<number> {
  let seconds: number;
  let output: string;
  if (client === 'cli') {
    if (kind === 'changed') await writeFile(join(context, 'last.txt'), `last ${engine.name} ${i + 1}\n`);
    ({ seconds, output } = await cliBuild(engine.host, engine.env, context, kind === 'cold' ? ['--no-cache'] : []));
  } else {
    const path = kind === 'cold' ? `${captured.path}&nocache=1` : captured.path;
    // Same length as `last 0\n`, so the tar's offsets stay; a letter per run keeps each change new.
    const body = kind === 'changed' ? withFileContent(captured.body, 'last.txt', new TextEncoder().encode(`last ${String.fromCharCode(97 + (i % 26))}\n`)) : captured.body;
    const r = await postBuild(engine.host.replace(/^unix:\/\//, ''), { ...captured, path }, body);
    if (r.error) throw new Error(`POST /build failed: ${r.error}`);
    ({ seconds, text: output } = r);
  }
  const cached = cachedSteps(output);
  if (cached !== CACHED_STEPS[kind]) throw new Error(`${engine.name} ${client} ${kind}: ${cached} of ${STEPS} steps came from the cache, expected ${CACHED_STEPS[kind]}`);
  return seconds;
}

const fmt = (runs: number[]): string => `${median(runs).toFixed(3)} s (${Math.min(...runs).toFixed(3)}-${Math.max(...runs).toFixed(3)})`;

async function main(): Promise<void> {
  if (!dockerCli()) {
    console.log('build benchmark: no docker CLI, nothing measured');
    return;
  }
  const loadBefore = loadavg()[0]!;
  console.log(`strata build benchmark: 8-step Dockerfile, ${FILES}-file context, ${RUNS} runs each, DOCKER_BUILDKIT=0; load average ${loadBefore.toFixed(2)}`);
  const context = await makeContext();
  const alone = await cliAlone(context);
  console.log(`docker CLI alone (server drains the ${(alone.build.body.byteLength / 1e6).toFixed(1)} MB context): ${fmt(alone.runs)}`);

  const engines: BenchEngine[] = [];
  for (const start of [() => startBaselineDockerd(cleanups), () => startStratad(cleanups)]) {
    const engine = await start();
    if ('unavailable' in engine) {
      console.log(`${engine.name}: unavailable: ${engine.unavailable}`);
      await cleanups.runAll();
      return;
    }
    console.log(`${engine.name} on ${engine.filesystem}`);
    const load = await runDocker(['-H', engine.host, 'load', '-i', FIXTURE], { env: engine.env });
    if (load.code !== 0) throw new Error(`${engine.name}: docker load failed: ${load.stderr}`);
    engines.push(engine);
  }
  const [dockerd, strata] = engines as [BenchEngine, BenchEngine];
  const empty = (): Figures => ({ cli: { cold: [], cached: [], changed: [] }, api: { cold: [], cached: [], changed: [] } });
  const figures = new Map<BenchEngine, Figures>([
    [dockerd, empty()],
    [strata, empty()],
  ]);
  for (const client of ['cli', 'api'] as const) {
    for (const kind of KINDS) {
      for (let i = 0; i < RUNS; i++) {
        // Taking turns, the one going first alternating, so neither always follows the other's writeback.
        for (const engine of i % 2 === 0 ? [dockerd, strata] : [strata, dockerd]) {
          figures.get(engine)![client][kind].push(await measureOne(engine, client, kind, i, context, alone.build));
        }
      }
      await writeFile(join(context, 'last.txt'), 'last 0\n');
    }
  }
  for (const engine of engines) await engine.stop();
  const loadAfter = loadavg()[0]!;

  console.log('');
  console.log(`| build | client | dockerd (classic) | strata | ratio (goal) | goal met |`);
  console.log('|---|---|---|---|---|---|');
  const clientName: Record<Client, string> = { cli: 'docker CLI', api: 'same API client' };
  for (const client of ['cli', 'api'] as const) {
    for (const kind of KINDS) {
      const d = figures.get(dockerd)![client][kind];
      const s = figures.get(strata)![client][kind];
      const ratio = median(s) / median(d);
      const goal = GOALS[kind];
      const met = goal === undefined ? '-' : ratio <= goal ? 'yes' : 'no';
      console.log(`| ${kind} | ${clientName[client]} | ${fmt(d)} | ${fmt(s)} | ${ratio.toFixed(2)}x${goal ? ` (<= ${goal}x)` : ''} | ${met} |`);
    }
  }
  console.log('');
  // An engine that took no time at all would still show the CLI's own time: that is the lowest
  // ratio any engine can reach through the CLI.
  const floor = median(alone.runs);
  const floorLine = (kind: Kind) => `${(floor / median(figures.get(dockerd)!.cli[kind])).toFixed(2)}x ${kind}`;
  console.log(`lowest ratio any engine can reach through the docker CLI (CLI alone / dockerd's figure): ${KINDS.map(floorLine).join(', ')}`);
  console.log(`load average (1 min): ${loadBefore.toFixed(2)} at the start, ${loadAfter.toFixed(2)} at the end`);
  await cleanups.runAll();
}

main().catch(async (e: unknown) => {
  console.error(e);
  await cleanups.runAll();
  process.exit(1);
});
