// Network benchmark: HTTP through a published port, stratad against a real dockerd (the baseline).
// Each engine runs busybox httpd in a container published with `-p PORT:80` and serving a 17-byte
// page and a 100 MB file from a read-only bind mount; `ab` and `curl` measure through the port:
//   requests per second, one at a time and 8 concurrent (every request is a new connection:
//   busybox httpd closes after each response, so connection setup dominates), and MB/s for 100 MB.
// dockerd runs with `--iptables=false` in a network namespace this benchmark makes for it, with its
// own docker0 there, so `-p` goes through its userland proxy (docker-proxy); its clients run in
// that namespace (on its 127.0.0.1). stratad needs nothing of the kind: its bridge already lives in
// a namespace of its own and its published ports listen on the host's 127.0.0.1.
// Environment: BENCH_NET_ROUNDS (default 3), BENCH_NET_REQUESTS (default 2000).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { runDocker } from '../src/testing/dockerd.js';
import { CleanupStack } from './cleanupStack.js';
import { startBaselineDockerd, startStratad, type BenchEngine, type EngineUnavailable } from './engines.js';
import { median } from './imageMetrics.js';

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

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

interface Target {
  engine: BenchEngine;
  port: number;
  /** Where the clients run: dockerd's namespace, or the host's for stratad. */
  namespace?: string;
}

/** Load the image, write the site to a bind-mount source on the engine's filesystem, run httpd behind `-p`. */
async function serve(engine: BenchEngine, port: number, namespace?: string): Promise<Target> {
  await docker(engine, ['load', '-i', FIXTURE]);
  const site = join(engine.scratch, 'www');
  await mkdir(site, { recursive: true });
  await writeFile(join(site, 'index.html'), '<h1>benchmark</h1>'.slice(0, 17));
  await writeFile(join(site, 'big.bin'), randomBytes(BIG_BYTES));
  await docker(engine, ['run', '-d', '--name', 'web', '-p', `${port}:80`, '-v', `${site}:/www:ro`, 'busybox:local', 'httpd', '-f', '-p', '80', '-h', '/www']);
  const target = { engine, port, ...(namespace ? { namespace } : {}) };
  for (let i = 0; i < 50; i++) {
    const ok = await run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${port}/index.html`], namespace).catch(() => '');
    if (ok === '200') return target;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${engine.name}: http://127.0.0.1:${port}/index.html never answered 200`);
}

async function requestsPerSecond(t: Target, concurrency: number): Promise<number> {
  const out = await run('ab', ['-q', '-n', String(requests), '-c', String(concurrency), '-r', `http://127.0.0.1:${t.port}/index.html`], t.namespace);
  const failed = Number(/Failed requests:\s+(\d+)/.exec(out)?.[1] ?? 'NaN');
  if (failed !== 0) throw new Error(`${t.engine.name}: ab reported ${failed} failed requests`);
  return Number(/Requests per second:\s+([\d.]+)/.exec(out)?.[1]);
}

async function megabytesPerSecond(t: Target): Promise<number> {
  const out = await run('curl', ['-s', '-o', '/dev/null', '-w', '%{size_download} %{speed_download}', `http://127.0.0.1:${t.port}/big.bin`], t.namespace);
  const [size, speed] = out.split(' ').map(Number);
  if (size !== BIG_BYTES) throw new Error(`${t.engine.name}: short transfer, ${size} of ${BIG_BYTES} bytes`);
  return speed! / 1e6;
}

const METRICS = [
  { label: 'req/s, 1 at a time (small page)', measure: (t: Target) => requestsPerSecond(t, 1) },
  { label: 'req/s, 8 concurrent (small page)', measure: (t: Target) => requestsPerSecond(t, 8) },
  { label: 'MB/s, one 100 MB transfer', measure: megabytesPerSecond },
] as const;

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
  const targets = [await serve(engines[0]!, 8080, namespace), await serve(engines[1]!, await freePort())];

  const runs = METRICS.map(() => targets.map(() => [] as number[]));
  // Round-robin, so load from other work on the machine falls on both engines alike.
  for (let round = 0; round < rounds; round++) {
    for (const [m, metric] of METRICS.entries()) {
      for (const [i, t] of targets.entries()) runs[m]![i]!.push(await metric.measure(t));
    }
  }
  console.log(`\nHTTP through a published port (busybox httpd, ${requests} requests per ab run, median of ${rounds} rounds)`);
  console.log('| metric | dockerd (docker-proxy) | strata | ratio strata/dockerd |');
  console.log('|---|---|---|---|');
  for (const [m, metric] of METRICS.entries()) {
    const [d, s] = [median(runs[m]![0]!), median(runs[m]![1]!)];
    const range = (xs: number[]) => `${Math.min(...xs).toFixed(0)}-${Math.max(...xs).toFixed(0)}`;
    console.log(`| ${metric.label} | ${d.toFixed(0)} (${range(runs[m]![0]!)}) | ${s.toFixed(0)} (${range(runs[m]![1]!)}) | ${(s / d).toFixed(2)}x |`);
  }
  for (const e of engines) await docker(e, ['rm', '-f', 'web']).catch(() => undefined);
}

try {
  await main();
} finally {
  await cleanups.runAll();
}
