// Network benchmark: HTTP through a published port, stratad against a real dockerd (the baseline).
// Each engine runs busybox httpd in a container published with `-p PORT:80` and serving a 17-byte
// page and a 100 MB file from a read-only bind mount; `ab` and `curl` measure through the port:
//   requests per second, one at a time and 8 concurrent (every request is a new connection:
//   busybox httpd closes after each response, so connection setup dominates), and MB/s for 100 MB;
//   for the one-at-a-time runs also ab's median time per request (its percentile table, `-e`).
// dockerd runs with `--iptables=false` in a network namespace this benchmark makes for it, with its
// own docker0 there, so `-p` goes through its userland proxy (docker-proxy); its clients run in
// that namespace (on its 127.0.0.1). stratad needs nothing of the kind: its bridge already lives in
// a namespace of its own and its published ports listen on the host's 127.0.0.1.
// Environment: BENCH_NET_ROUNDS (default 3), BENCH_NET_REQUESTS (default 2000).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDocker } from '../src/testing/dockerd.js';
import { CleanupStack } from './cleanupStack.js';
import { startBaselineDockerd, startStratad, type BenchEngine, type EngineUnavailable } from './engines.js';
import { median } from './imageMetrics.js';
import { freePort } from '@strata/registry';

const FIXTURE = '/work/shared/fixtures/images/01-base/image.tar';
const BIG_BYTES = 100_000_000;

function count(variable: string, fallback: number): number {
  const value = Number(process.env[variable] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${variable} must be a positive integer, not ${process.env[variable]}`);
  return value;
}
const rounds = count('BENCH_NET_ROUNDS', 3);
const requests = count('BENCH_NET_REQUESTS', 2000);

const cleanups = new CleanupStack();
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => void cleanups.runAll().finally(() => process.exit(130)));
}

/** Run a command (in `namespace` when given, through nsenter) and collect stdout; throws on failure. */
function run(command: string, args: string[], namespace?: string): Promise<string> {
  const [bin, argv] = namespace ? ['nsenter', [`--net=/run/netns/${namespace}`, command, ...args]] : [command, args];
  return new Promise((resolve, reject) => {
    const child = spawn(bin, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${err.trim() || out.trim()}`))));
  });
}

async function docker(engine: BenchEngine, args: string[]): Promise<string> {
  const r = await runDocker(['-H', engine.host, ...args], { env: engine.env });
  if (r.code !== 0) throw new Error(`docker ${args.join(' ')} exited ${r.code}: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

interface Target {
  engine: BenchEngine;
  /** Host the clients dial: 127.0.0.1 through the published port, or the container's own address. */
  host: string;
  port: number;
  /** Where the clients run: dockerd's namespace, or the host's for stratad; the bridge's for a direct row. */
  namespace?: string;
  /** A row without the engine's forwarder: the same container, dialled from its bridge's namespace. */
  direct?: boolean;
}

/** Load the image, write the site to a bind-mount source on the engine's filesystem, run httpd behind `-p`. */
async function serve(engine: BenchEngine, port: number, namespace?: string): Promise<Target> {
  await docker(engine, ['load', '-i', FIXTURE]);
  const site = join(engine.scratch, 'www');
  await mkdir(site, { recursive: true });
  await writeFile(join(site, 'index.html'), '<h1>benchmark</h1>'.slice(0, 17));
  await writeFile(join(site, 'big.bin'), randomBytes(BIG_BYTES));
  await docker(engine, ['run', '-d', '--name', 'web', '-p', `${port}:80`, '-v', `${site}:/www:ro`, 'busybox:local', 'httpd', '-f', '-p', '80', '-h', '/www']);
  const target = { engine, host: '127.0.0.1', port, ...(namespace ? { namespace } : {}) };
  for (let i = 0; i < 50; i++) {
    const ok = await run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${port}/index.html`], namespace).catch(() => '');
    if (ok === '200') return target;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${engine.name}: http://127.0.0.1:${port}/index.html never answered 200`);
}

/**
 * ab's median time per request (µs) in each one-at-a-time run, per target: req/s is the mean, which a
 * few requests held up by other work on the machine swing; the median shows the usual path.
 */
const medianLatency = new Map<Target, number[]>();
let percentilesDir: string | undefined;

async function requestsPerSecond(t: Target, concurrency: number): Promise<number> {
  if (!percentilesDir) {
    const dir = (percentilesDir = await mkdtemp(join(tmpdir(), 'strata-bench-net-')));
    cleanups.push('ab percentiles', () => rm(dir, { recursive: true, force: true }));
  }
  const percentiles = join(percentilesDir, 'percentiles.csv');
  const out = await run('ab', ['-q', '-n', String(requests), '-c', String(concurrency), '-r', ...(concurrency === 1 ? ['-e', percentiles] : []), `http://${t.host}:${t.port}/index.html`], t.namespace);
  if (concurrency === 1) {
    // Lines `percent,milliseconds`; "50," is the median.
    const ms = Number(/^50,([\d.]+)$/m.exec(await readFile(percentiles, 'utf8'))?.[1]);
    medianLatency.set(t, [...(medianLatency.get(t) ?? []), ms * 1000]);
  }
  const failed = Number(/Failed requests:\s+(\d+)/.exec(out)?.[1] ?? 'NaN');
  if (failed !== 0) throw new Error(`${t.engine.name}: ab reported ${failed} failed requests`);
  return Number(/Requests per second:\s+([\d.]+)/.exec(out)?.[1]);
}

async function megabytesPerSecond(t: Target): Promise<number> {
  const out = await run('curl', ['-s', '-o', '/dev/null', '-w', '%{size_download} %{speed_download}', `http://${t.host}:${t.port}/big.bin`], t.namespace);
  const [size, speed] = out.split(' ').map(Number);
  if (size !== BIG_BYTES) throw new Error(`${t.engine.name}: short transfer, ${size} of ${BIG_BYTES} bytes`);
  return speed! / 1e6;
}

const METRICS = [
  { label: 'req/s, 1 at a time (small page)', measure: (t: Target) => requestsPerSecond(t, 1) },
  { label: 'req/s, 8 concurrent (small page)', measure: (t: Target) => requestsPerSecond(t, 8) },
  { label: 'MB/s, one 100 MB transfer', measure: megabytesPerSecond },
] as const;

/**
 * The same container without the engine's forwarder: its address dialled from inside the namespace
 * that holds its bridge (dockerd's, made by this benchmark; stratad's own, named by SandboxKey).
 */
async function direct(t: Target): Promise<Target> {
  const [ip, sandbox] = (await docker(t.engine, ['inspect', '-f', '{{.NetworkSettings.IPAddress}} {{.NetworkSettings.SandboxKey}}', 'web'])).trim().split(' ');
  const namespace = t.namespace ?? /^\/run\/netns\/(strata-[0-9a-f]{8})-[0-9a-f]{64}$/.exec(sandbox ?? '')?.[1];
  if (!ip || !namespace) throw new Error(`${t.engine.name}: no bridge namespace for ${ip} (${sandbox})`);
  return { engine: t.engine, host: ip, port: 80, namespace, direct: true };
}

/**
 * PIDs of the processes that forward a published port: dockerd's docker-proxy for it, or the
 * forwarder inside stratad's bridge namespace (other stratads on the machine have their own).
 */
async function forwarderPids(t: Target, bridgeNamespace: string): Promise<number[]> {
  if (t.engine.name === 'dockerd') {
    const out = await run('ps', ['-eo', 'pid=,args=']);
    return out.split('\n').filter((l) => new RegExp(`docker-proxy .*-host-port ${t.port}\\b`).test(l)).map((l) => Number(l.trim().split(' ')[0]));
  }
  const pids = (await run('ip', ['netns', 'pids', bridgeNamespace])).split('\n').filter(Boolean).map(Number);
  const forwarders: number[] = [];
  for (const pid of pids) {
    if ((await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).includes('strata-port-forwarder')) forwarders.push(pid);
  }
  return forwarders;
}

/** User + system CPU (ms) of the given processes and their threads, from /proc/PID/stat. */
async function cpuMs(pids: number[]): Promise<number> {
  let ticks = 0;
  for (const pid of pids) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
  }
  return ticks * 10;
}

async function main(): Promise<void> {
  const namespace = `strata-bench-dockerd-${process.pid}`;
  await run('ip', ['netns', 'add', namespace]);
  cleanups.push('dockerd network namespace', () => run('ip', ['netns', 'del', namespace]).then(() => undefined));
  await run('ip', ['-n', namespace, 'link', 'set', 'lo', 'up']);

  const dockerd = await startBaselineDockerd(cleanups, namespace);
  const strata = await startStratad(cleanups);
  const unavailable = [dockerd, strata].filter((e): e is EngineUnavailable => 'unavailable' in e);
  for (const u of unavailable) console.log(`${u.name}: unavailable: ${u.unavailable}`);
  if (unavailable.length) return;
  const engines = [dockerd, strata] as BenchEngine[];
  const published = [await serve(engines[0]!, 8080, namespace), await serve(engines[1]!, await freePort())];
  const targets = [...published, await direct(published[0]!), await direct(published[1]!)];
  const forwarders = [await forwarderPids(published[0]!, targets[2]!.namespace!), await forwarderPids(published[1]!, targets[3]!.namespace!)];
  if (forwarders.some((pids) => pids.length === 0)) throw new Error(`no forwarder process found: ${JSON.stringify(forwarders)}`);

  const runs = METRICS.map(() => targets.map(() => [] as number[]));
  /** Forwarder CPU per connection (µs) during the one-at-a-time runs, per published target. */
  const cpuPerConnection = published.map(() => [] as number[]);
  const loads: string[] = [];
  // Round-robin, so load from other work on the machine falls on both engines alike.
  for (let round = 0; round < rounds; round++) {
    loads.push((await readFile('/proc/loadavg', 'utf8')).split(' ')[0]!);
    for (const [m, metric] of METRICS.entries()) {
      for (const [i, t] of targets.entries()) {
        const before = i < 2 ? await cpuMs(forwarders[i]!) : 0;
        runs[m]![i]!.push(await metric.measure(t));
        if (i < 2 && m === 0) cpuPerConnection[i]!.push(((await cpuMs(forwarders[i]!)) - before) * 1000 / requests);
      }
    }
  }
  console.log(`\nHTTP through a published port (busybox httpd, ${requests} requests per ab run, median of ${rounds} rounds, load average ${loads.join(', ')})`);
  // Each round measures dockerd then strata back to back: the median of the per-round ratios is
  // less swayed by load that changes between rounds than the ratio of the medians.
  // The last column compares the forwarders alone: each engine's proxied figure over its own direct
  // one, strata's over dockerd's, so a container path that is slower on one side does not count.
  console.log('| metric | dockerd (docker-proxy) | strata | ratio of medians | median of per-round ratios (range) | dockerd direct (no proxy) | strata direct (no forwarder) | forwarder vs docker-proxy, each over its direct |');
  console.log('|---|---|---|---|---|---|---|---|');
  const range = (xs: number[], digits = 0) => `${Math.min(...xs).toFixed(digits)}-${Math.max(...xs).toFixed(digits)}`;
  const perRound = (d: number[], s: number[]) => s.map((v, i) => v / d[i]!);
  for (const [m, metric] of METRICS.entries()) {
    const [d, s, dd, sd] = runs[m]!.map(median) as [number, number, number, number];
    const ratios = perRound(runs[m]![0]!, runs[m]![1]!);
    console.log(`| ${metric.label} | ${d.toFixed(0)} (${range(runs[m]![0]!)}) | ${s.toFixed(0)} (${range(runs[m]![1]!)}) | ${(s / d).toFixed(2)}x | ${median(ratios).toFixed(2)}x (${range(ratios, 2)}) | ${dd.toFixed(0)} | ${sd.toFixed(0)} | ${(s / sd / (d / dd)).toFixed(2)}x |`);
  }
  const [dc, sc] = cpuPerConnection.map(median) as [number, number];
  const cpuRatios = perRound(cpuPerConnection[0]!, cpuPerConnection[1]!);
  const [dl, sl, ddl, sdl] = targets.map((t) => median(medianLatency.get(t) ?? [])) as [number, number, number, number];
  const latencyRatios = perRound(medianLatency.get(targets[0]!)!, medianLatency.get(targets[1]!)!);
  // Lower is better here; the last column is the time each forwarder adds to its own direct path.
  console.log(`| µs per request, median (1 at a time; lower is better) | ${dl.toFixed(0)} (${range(medianLatency.get(targets[0]!)!)}) | ${sl.toFixed(0)} (${range(medianLatency.get(targets[1]!)!)}) | ${(sl / dl).toFixed(2)}x | ${median(latencyRatios).toFixed(2)}x (${range(latencyRatios, 2)}) | ${ddl.toFixed(0)} | ${sdl.toFixed(0)} | ${((sl - sdl) / (dl - ddl)).toFixed(2)}x (adds ${(sl - sdl).toFixed(0)} vs ${(dl - ddl).toFixed(0)} µs) |`);
  console.log(`| forwarder CPU per connection, µs (1 at a time; 10 ms ticks) | ${dc.toFixed(0)} (${range(cpuPerConnection[0]!)}) | ${sc.toFixed(0)} (${range(cpuPerConnection[1]!)}) | ${(sc / dc).toFixed(2)}x | ${median(cpuRatios).toFixed(2)}x | | | |`);
  for (const e of engines) await docker(e, ['rm', '-f', 'web']).catch(() => undefined);
}

try {
  await main();
} finally {
  await cleanups.runAll();
}
