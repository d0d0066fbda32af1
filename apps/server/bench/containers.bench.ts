// Container benchmark: stratad against a real dockerd (the baseline), each on a fresh
// loop-mounted ext4, driven by the real docker CLI. Prints figures and ratios; asserts nothing.
//   docker run --rm busybox:local busybox true, end to end (the fixture image has no /bin/true,
//   only /bin/busybox and a few applet links, so the issue's `... true` fails on both engines)
//   docker create / start / wait / rm, each timed on its own
//   docker ps -a with many exited containers (made over the API, in parallel, to keep it quick)
//   resident memory: stratad versus dockerd + containerd, idle and with those containers
// Like for like: the baseline dockerd runs with --bridge=none (its containers get loopback only), so
// stratad does too; for information, `docker run` is also timed on a stratad with its default bridge
// (a veth in the engine's own namespace per container; BENCH_BRIDGE_ROW=0 leaves it out).
// The CLI's floor for `ps -a`: each engine's `GET /containers/json?all=1` answer is captured and
// replayed by a server that does nothing else (listingReplay.ts), timed in the same rounds.
// BENCH_CONTAINERS_ONLY=ps measures only ps -a (and memory); BENCH_PS_CAPTURE=<dir> keeps the bodies.
// Environment: BENCH_RUN_RUNS, BENCH_LIFECYCLE_RUNS, BENCH_PS_RUNS, BENCH_CONTAINERS (default 1000, the
// issue's figure) and BENCH_CREATE_PARALLEL (default 8: API calls in flight while making them; the
// time each engine took to make its containers is printed with its figures).
import { request } from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { dockerCli, runDocker, type DockerRun } from '../src/testing/dockerd.js';
import { benchSession, dockerOn, firstLine, MetricFailure, runCount, timedDocker, type Figure } from './cliMetrics.js';
import { startBaselineDockerd, startStratad, type BenchEngine, type EngineUnavailable } from './engines.js';
import { median } from './imageMetrics.js';
import { describeListing, saveListings, startListingReplay, type CapturedListing } from './listingReplay.js';

const FIXTURE = '/work/shared/fixtures/images/01-base/image.tar';
const IMAGE = 'busybox:local';
/** The do-nothing command: busybox's own `true` applet, one exec as `true` would be. */
const COMMAND = ['busybox', 'true'];


const settings = {
  containers: runCount('BENCH_CONTAINERS', 1000),
  createParallel: runCount('BENCH_CREATE_PARALLEL', 8),
  runRuns: runCount('BENCH_RUN_RUNS', 10),
  lifecycleRuns: runCount('BENCH_LIFECYCLE_RUNS', 10),
  psRuns: runCount('BENCH_PS_RUNS', 10),
  bridgeRow: process.env.BENCH_BRIDGE_ROW !== '0' && process.env.BENCH_CONTAINERS_ONLY !== 'ps',
  psOnly: process.env.BENCH_CONTAINERS_ONLY === 'ps',
  psCapture: process.env.BENCH_PS_CAPTURE,
};

/** stratad's flags in the comparison: no default bridge, as the baseline dockerd. */
const STRATAD_FLAGS = ['--bridge=none'];

/** One figure of one engine: the median over runs, or why it failed. */

interface ContainerFigures {
  version: string;
  run: Figure;
  create: Figure;
  start: Figure;
  wait: Figure;
  rm: Figure;
  ps: Figure;
  rssIdle: Figure;
  rssFull: Figure;
  /** The processes summed for resident memory, as `comm(pid)`. */
  processes: string;
  /** Seconds spent making the exited containers. */
  fillSeconds: number;
}

const { cleanups, interrupt } = benchSession();

const docker = (engine: BenchEngine, args: string[]): Promise<DockerRun> => dockerOn(engine, args, { signal: interrupt.signal });
const timed = (engine: BenchEngine, args: string[]) => timedDocker(engine, args, { signal: interrupt.signal });

/** One Engine API call over the engine's unix socket; resolves with status and body. */
function api(engine: BenchEngine, method: string, path: string, body?: unknown): Promise<{ status: number; body: string }> {
  const socketPath = engine.host.slice('unix://'.length);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      { socketPath, method, path: `/v1.41${path}`, headers: payload ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) } : {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Creates, starts and waits for `n` containers running COMMAND, settings.createParallel at a time. */
async function fillExited(engine: BenchEngine, n: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      interrupt.signal.throwIfAborted();
      const created = await api(engine, 'POST', '/containers/create', { Image: IMAGE, Cmd: COMMAND });
      if (created.status !== 201) throw new MetricFailure(`POST /containers/create answered ${created.status}: ${firstLine(created.body)}`);
      const id = (JSON.parse(created.body) as { Id: string }).Id;
      const started = await api(engine, 'POST', `/containers/${id}/start`);
      if (started.status !== 204) throw new MetricFailure(`POST /containers/${id.slice(0, 12)}/start answered ${started.status}: ${firstLine(started.body)}`);
      const waited = await api(engine, 'POST', `/containers/${id}/wait`);
      if (waited.status !== 200 || (JSON.parse(waited.body) as { StatusCode: number }).StatusCode !== 0) {
        throw new MetricFailure(`POST /containers/${id.slice(0, 12)}/wait answered ${waited.status}: ${firstLine(waited.body)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: settings.createParallel }, worker));
}

/**
 * The engine's own processes: every process whose command line names the engine's folder (the
 * socket's), which for dockerd is dockerd and its managed containerd (and any shims), for strata
 * stratad. The docker CLI also names the socket but none runs while memory is read.
 */
function engineProcesses(engine: BenchEngine): Array<{ pid: number; comm: string; rssKb: number }> {
  const dir = dirname(engine.host.slice('unix://'.length)) + '/';
  const found: Array<{ pid: number; comm: string; rssKb: number }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (!cmdline.includes(dir)) continue;
      const comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      if (comm === 'docker') continue;
      const rss = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${entry}/status`, 'utf8'));
      if (rss) found.push({ pid: Number(entry), comm, rssKb: Number(rss[1]) });
    } catch {
      // the process ended while being read
    }
  }
  return found;
}

/** Summed resident memory of the engine's processes in MB (10^6 bytes). */
function residentMb(engine: BenchEngine): number {
  const processes = engineProcesses(engine);
  if (processes.length === 0) throw new MetricFailure('no engine process found in /proc');
  return processes.reduce((sum, p) => sum + p.rssKb, 0) * 1024 / 1e6;
}

/** Per-engine runs of one metric, or why that engine failed it. */
type Runs = number[] | { failed: string };

/**
 * Runs `step` for every engine still in the game, round after round, so that both engines are
 * measured under the same load (this machine is shared: a minute apart, its load can double).
 * An engine whose step throws a MetricFailure drops out of this metric only.
 */
async function interleaved(engines: BenchEngine[], rounds: number, step: (engine: BenchEngine) => Promise<number | undefined>): Promise<Map<BenchEngine, Runs>> {
  const runs = new Map<BenchEngine, Runs>(engines.map((e) => [e, []]));
  for (let i = 0; i < rounds; i++) {
    for (const engine of engines) {
      const mine = runs.get(engine)!;
      if (!Array.isArray(mine)) continue;
      try {
        const ms = await step(engine);
        if (ms !== undefined) mine.push(ms);
      } catch (err) {
        if (!(err instanceof MetricFailure)) throw err;
        runs.set(engine, { failed: err.message });
      }
    }
  }
  return runs;
}

const asFigure = (runs: Runs | undefined, fallback = 'not measured'): Figure =>
  runs === undefined ? { failed: fallback } : Array.isArray(runs) ? (runs.length ? { value: median(runs), runs } : { failed: fallback }) : runs;

async function measureContainers(engines: BenchEngine[], runOnly: BenchEngine[]): Promise<Map<BenchEngine, ContainerFigures>> {
  const versions = new Map<BenchEngine, string>();
  for (const engine of [...engines, ...runOnly]) {
    versions.set(engine, (await docker(engine, ['version', '--format', '{{.Server.Version}}'])).stdout.trim());
    const loaded = await docker(engine, ['load', '-i', FIXTURE]);
    if (!loaded.stdout.includes(`Loaded image: ${IMAGE}`)) throw new Error(`docker load printed no "Loaded image: ${IMAGE}": ${firstLine(loaded.stdout)}`);
  }

  // Idle: image loaded, no container yet, after a moment for start-up garbage to settle.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const processes = new Map(engines.map((e) => [e, engineProcesses(e).map((p) => `${p.comm}(${p.pid})`).join(' + ')]));
  const rssIdle = new Map(engines.map((e) => [e, residentMb(e)]));

  const all = [...engines, ...runOnly];
  if (!settings.psOnly) await interleaved(all, 2, async (e) => void (await docker(e, ['run', '--rm', IMAGE, ...COMMAND]))); // warm-up
  const run = await interleaved(all, settings.psOnly ? 0 : settings.runRuns, async (e) => (await timed(e, ['run', '--rm', IMAGE, ...COMMAND])).ms);

  const steps = { create: new Map<BenchEngine, Runs>(), start: new Map<BenchEngine, Runs>(), wait: new Map<BenchEngine, Runs>(), rm: new Map<BenchEngine, Runs>() };
  const lifecycle = await interleaved(engines, settings.psOnly ? 0 : settings.lifecycleRuns, async (engine) => {
    const push = (key: keyof typeof steps, ms: number) => {
      const list = steps[key].get(engine) ?? [];
      if (Array.isArray(list)) list.push(ms);
      steps[key].set(engine, list);
    };
    const created = await timed(engine, ['create', IMAGE, ...COMMAND]);
    const id = created.run.stdout.trim();
    if (!/^[0-9a-f]{64}$/.test(id)) throw new MetricFailure(`docker create printed ${JSON.stringify(firstLine(id))}, not an ID`);
    push('create', created.ms);
    push('start', (await timed(engine, ['start', id])).ms);
    const waited = await timed(engine, ['wait', id]);
    if (waited.run.stdout.trim() !== '0') throw new MetricFailure(`docker wait printed ${JSON.stringify(waited.run.stdout.trim())}, expected 0`);
    push('wait', waited.ms);
    push('rm', (await timed(engine, ['rm', id])).ms);
    return undefined;
  });
  const step = (engine: BenchEngine, key: keyof typeof steps): Figure => {
    const failed = lifecycle.get(engine);
    return failed && !Array.isArray(failed) ? failed : asFigure(steps[key].get(engine));
  };

  // Filling is the one phase not interleaved (it is not a figure); each engine's time is printed.
  const fill = new Map<BenchEngine, { seconds: number; failed?: string }>();
  for (const engine of engines) {
    const started = Date.now();
    try {
      await fillExited(engine, settings.containers);
      fill.set(engine, { seconds: (Date.now() - started) / 1000 });
    } catch (err) {
      if (!(err instanceof MetricFailure)) throw err;
      fill.set(engine, { seconds: (Date.now() - started) / 1000, failed: err.message });
    }
  }
  const filled = engines.filter((e) => !fill.get(e)!.failed);
  const replays = new Map<BenchEngine, BenchEngine>();
  for (const engine of filled) {
    const answer = await api(engine, 'GET', '/containers/json?all=1');
    const listing: CapturedListing = { from: engine.name, body: Buffer.from(answer.body, 'utf8') };
    console.log(`GET /containers/json?all=1 of ${describeListing(listing)}`);
    if (settings.psCapture) await saveListings(settings.psCapture, [listing]);
    replays.set(engine, await startListingReplay(cleanups, listing));
  }
  const measured = [...filled, ...replays.values()];
  await interleaved(measured, 2, async (e) => void (await docker(e, ['ps', '-a']))); // warm-up
  const ps = await interleaved(measured, settings.psRuns, async (engine) => {
    const { ms, run: listed } = await timed(engine, ['ps', '-a']);
    const rows = listed.stdout.trim().split('\n').length - 1;
    if (rows !== settings.containers) throw new MetricFailure(`docker ps -a printed ${rows} rows, expected ${settings.containers}`);
    if (!listed.stdout.includes('Exited (0)')) throw new MetricFailure('docker ps -a shows no "Exited (0)" container');
    return ms;
  });
  for (const [engine, replay] of replays) {
    const f = asFigure(ps.get(replay));
    console.log(`CLI floor for ${engine.name}'s body (replayed, no engine work): ${'failed' in f ? `failed: ${f.failed}` : `${f.value.toFixed(1)} ms; runs: ${f.runs.map((v) => v.toFixed(1)).join(', ')}`}`);
    await replay.stop();
  }

  const out = new Map<BenchEngine, ContainerFigures>();
  for (const engine of engines) {
    const fillFailed = fill.get(engine)!.failed;
    const notFilled = fillFailed ? `containers not made: ${fillFailed}` : undefined;
    out.set(engine, {
      version: versions.get(engine)!,
      run: asFigure(run.get(engine)),
      create: step(engine, 'create'),
      start: step(engine, 'start'),
      wait: step(engine, 'wait'),
      rm: step(engine, 'rm'),
      ps: notFilled ? { failed: notFilled } : asFigure(ps.get(engine)),
      rssIdle: { value: rssIdle.get(engine)!, runs: [rssIdle.get(engine)!] },
      rssFull: notFilled ? { failed: notFilled } : { value: residentMb(engine), runs: [residentMb(engine)] },
      processes: processes.get(engine)!,
      fillSeconds: fill.get(engine)!.seconds,
    });
  }
  for (const engine of runOnly) {
    out.set(engine, { version: versions.get(engine)!, run: asFigure(run.get(engine)) } as ContainerFigures);
  }
  return out;
}

type Column = ContainerFigures | { unavailable: string };

type MetricKey = 'run' | 'create' | 'start' | 'wait' | 'rm' | 'ps' | 'rssIdle' | 'rssFull';

const rows: Array<{ key: MetricKey; label: string; unit: string; goal?: number }> = [
  { key: 'run', label: `docker run --rm ${IMAGE} ${COMMAND.join(' ')}`, unit: 'ms', goal: 0.4 },
  { key: 'create', label: 'docker create', unit: 'ms' },
  { key: 'start', label: 'docker start', unit: 'ms' },
  { key: 'wait', label: 'docker wait', unit: 'ms' },
  { key: 'rm', label: 'docker rm', unit: 'ms' },
  { key: 'ps', label: `docker ps -a, ${settings.containers} exited`, unit: 'ms', goal: 0.5 },
  { key: 'rssIdle', label: 'resident memory, idle', unit: 'MB' },
  { key: 'rssFull', label: `resident memory, ${settings.containers} containers`, unit: 'MB' },
];

const figureOf = (column: Column, key: MetricKey): Figure | undefined => ('unavailable' in column ? undefined : column[key]);
const cell = (f: Figure | undefined) => (f === undefined ? 'n/a' : 'failed' in f ? 'failed' : f.value.toFixed(1));

/** The table: strata/dockerd ratios (lower is better for every row) against the issue's goals. */
function formatReport(dockerd: Column, strata: Column): string[] {
  const table = [['metric', 'dockerd', 'strata', 'strata/dockerd', 'goal', 'met']];
  for (const row of rows) {
    const d = figureOf(dockerd, row.key);
    const s = figureOf(strata, row.key);
    const r = d && s && !('failed' in d) && !('failed' in s) ? s.value / d.value : undefined;
    table.push([
      `${row.label} (${row.unit})`,
      cell(d),
      cell(s),
      r === undefined ? '-' : `${r.toFixed(2)}x`,
      row.goal === undefined ? '' : `<= ${row.goal}x`,
      row.goal === undefined || r === undefined ? '' : r <= row.goal ? 'yes' : 'no',
    ]);
  }
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  const lines = table.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('   '));
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('   '));
  lines.push('');
  lines.push(`dockerd runs with --bridge=none, stratad with ${STRATAD_FLAGS.join(' ')}: no default bridge, containers on loopback only.`);
  lines.push('dockerd memory sums dockerd and its managed containerd; strata memory is stratad alone. MB = 10^6 bytes.');
  for (const [name, column] of [['dockerd', dockerd], ['strata', strata]] as const) {
    if ('unavailable' in column) continue;
    for (const row of rows) {
      const f = column[row.key];
      if ('failed' in f) lines.push(`${name} ${row.label}: failed: ${f.failed}`);
      else if (f.runs.length > 1) lines.push(`${name} ${row.label} runs (${row.unit}): ${f.runs.map((v) => v.toFixed(1)).join(', ')}`);
    }
  }
  return lines;
}

async function main(): Promise<void> {
  const cli = dockerCli();
  if (!cli) throw new Error('docker CLI not found (/usr/local/bin/docker or /usr/bin/docker)');
  console.log(`strata container benchmark: docker CLI (${cli}), image ${IMAGE} from ${FIXTURE}`);
  console.log(
    `  runs (medians): run ${settings.runRuns}, create/start/wait/rm ${settings.lifecycleRuns}, ps -a ${settings.psRuns}; ` +
      `${settings.containers} exited containers (made over the API, ${settings.createParallel} at a time)`,
  );
  console.log(`  like for like: dockerd --iptables=false --bridge=none, stratad ${STRATAD_FLAGS.join(' ')} (containers on loopback only in both)`);
  console.log('  the engines take turns, call after call, so that both see the same load on this shared machine');
  const started: Array<{ name: string; engine: BenchEngine | EngineUnavailable }> = [
    { name: 'dockerd', engine: await startBaselineDockerd(cleanups) },
    { name: 'strata', engine: await startStratad(cleanups, undefined, STRATAD_FLAGS) },
  ];
  const bridged = settings.bridgeRow ? await startStratad(cleanups) : undefined;
  const columns = new Map<string, Column>();
  const live: BenchEngine[] = [];
  for (const { name, engine } of started) {
    if ('unavailable' in engine) {
      console.log(`${name}: not available (${engine.unavailable})`);
      columns.set(name, { unavailable: engine.unavailable });
    } else live.push(engine);
  }
  const runOnly = bridged && !('unavailable' in bridged) ? [bridged] : [];
  try {
    const t0 = Date.now();
    const figures = await measureContainers(live, runOnly);
    for (const engine of live) {
      const f = figures.get(engine)!;
      columns.set(engine.name, f);
      console.log(
        `${engine.name} ${f.version} on ${engine.filesystem}: ${settings.containers} exited containers made in ${f.fillSeconds.toFixed(1)} s ` +
          `(${(f.fillSeconds * 1000 / settings.containers).toFixed(0)} ms each with ${settings.createParallel} in flight); memory of ${f.processes}`,
      );
    }
    console.log(`measured in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    console.log('');
    const none = { unavailable: 'not started' };
    for (const line of formatReport(columns.get('dockerd') ?? none, columns.get('strata') ?? none)) console.log(line);
    if (bridged && 'unavailable' in bridged) console.log(`strata with its default bridge: not available (${bridged.unavailable})`);
    for (const engine of runOnly) {
      const f = figures.get(engine)!.run;
      const dockerd = columns.get('dockerd');
      const d = dockerd && !('unavailable' in dockerd) ? dockerd.run : undefined;
      if ('failed' in f) console.log(`strata with its default bridge: docker run failed: ${f.failed}`);
      else {
        const ratio = d && !('failed' in d) ? ` (${(f.value / d.value).toFixed(2)}x dockerd --bridge=none)` : '';
        console.log(`for information, strata with its default bridge (no --bridge=none): docker run --rm ${IMAGE} ${COMMAND.join(' ')} ${f.value.toFixed(1)} ms${ratio}; runs: ${f.runs.map((v) => v.toFixed(1)).join(', ')}`);
      }
    }
  } catch (err) {
    if (err instanceof MetricFailure) console.log(`benchmark: ${err.message}`);
    else throw err;
  } finally {
    for (const engine of [...live, ...runOnly]) await engine.stop();
  }
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
