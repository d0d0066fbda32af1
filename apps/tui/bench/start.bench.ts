// strata start benchmark: time from launching the built `dist/cli.js` in a terminal (a pty from
// util-linux `script`, 150x40) to the first full frame (both lists loaded), on an empty data root
// and on one with 200 images and 1,000 containers; then the CPU time the idle app uses in 60 s.
// Prints figures; asserts nothing. Besides the wall time it prints the CPU time strata had used when
// the frame arrived (steadier than walls on a shared machine) and what `node -e 0` costs in the same run.
//   BENCH_START_RUNS (default 3), BENCH_IDLE_SECONDS (default 60), BENCH_IMAGES, BENCH_CONTAINERS override the workload;
//   BENCH_BASELINE_CLI=path/to/another/dist/cli.js measures that build too, runs interleaved, and prints the ratios.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine } from '@strata/core';
import { openDataRoot } from '@strata/storage';

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, here.endsWith('dist') ? '../../dist/cli.js' : '../dist/cli.js');
const num = (v: string | undefined, fallback: number) => (v === undefined ? fallback : Number(v));
const runs = num(process.env.BENCH_START_RUNS, 3);
const idleSeconds = num(process.env.BENCH_IDLE_SECONDS, 60);
const imageCount = num(process.env.BENCH_IMAGES, 200);
const containerCount = num(process.env.BENCH_CONTAINERS, 1000);
const ticksPerSecond = 100; // USER_HZ on Linux

const dir = mkdtempSync(join(tmpdir(), 'strata-start-bench-'));
const cleanup = () => rmSync(dir, { recursive: true, force: true });
process.on('SIGINT', () => (cleanup(), process.exit(130)));
process.on('SIGTERM', () => (cleanup(), process.exit(143)));

/** A one-file tar (ustar), the smallest rootfs an image can have. */
function tinyTar(name: string, body: string): Uint8Array {
  const data = new TextEncoder().encode(body);
  const header = new Uint8Array(512);
  const put = (text: string, at: number) => header.set(new TextEncoder().encode(text), at);
  put(name, 0);
  put('0000644\0', 100);
  put('0000000\0', 108);
  put('0000000\0', 116);
  put(data.length.toString(8).padStart(11, '0') + '\0', 124);
  put('14000000000\0', 136);
  put('        ', 148);
  put('0', 156);
  put('ustar\0', 257);
  put('00', 263);
  const sum = header.reduce((a, b) => a + b, 0);
  put(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  const padded = new Uint8Array(Math.ceil(data.length / 512) * 512);
  padded.set(data);
  const out = new Uint8Array(512 + padded.length + 1024);
  out.set(header);
  out.set(padded, 512);
  return out;
}

const streamOf = (bytes: Uint8Array): ReadableStream<Uint8Array> =>
  new ReadableStream({
    start(c) {
      c.enqueue(bytes);
      c.close();
    },
  });

/** A data root with `images` images (distinct configs over one layer) and `containers` created containers spread over them. */
async function populate(root: string, images: number, containers: number): Promise<number> {
  const t0 = performance.now();
  const dr = await openDataRoot(root);
  const engine = createEngine(dr.ports);
  try {
    const tar = tinyTar('hello.txt', 'hello\n');
    const ids: string[] = [];
    for (let i = 0; i < images; i++) {
      ids.push(await engine.importImage(streamOf(tar), { repo: `bench/image-${i}`, tag: 'v1', changes: [`ENV IMAGE=${i}`, 'CMD ["/hello.txt"]'] }));
    }
    for (let i = 0; i < containers; i++) {
      await engine.createContainer({ Image: `bench/image-${i % images}:v1`, Cmd: ['/hello.txt'] }, { name: `bench-${i}` });
    }
  } finally {
    await engine.close();
    await dr.close();
  }
  return performance.now() - t0;
}

const stripAnsi = (s: string) => s.replace(/\u001B\[[0-9;?]*[A-Za-z]|\u001B[()][A-Z0-9]|\u001B[=>]/g, '');

interface Started {
  ms: number;
  /** CPU seconds the app had used at its first full frame. */
  cpu: number;
  pid: number;
  stop(): Promise<void>;
}

/** Launches strata in a pty and resolves at the first frame that shows both lists loaded. */
function start(root: string, loaded: (screen: string) => boolean, entry = cli): Promise<Started> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const command = `stty cols 150 rows 40; echo STRATA_PID:$$; exec '${process.execPath}' '${entry}' --data-root '${root}'`;
    const child = spawn('script', ['-qfec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, TERM: 'xterm-256color', DOCKER_HOST: '' } });
    let seen = '';
    let pid = 0;
    let done = false;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    const stop = async () => {
      child.stdin.write('q');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    };
    child.stdout.on('data', (b: Buffer) => {
      if (done) return;
      seen += b.toString('utf8');
      pid ||= Number(/STRATA_PID:(\d+)/.exec(seen)?.[1] ?? 0);
      // Only the latest output matters: Ink redraws whole frames.
      if (seen.length > 400_000) seen = seen.slice(-200_000);
      if (loaded(stripAnsi(seen))) {
        done = true;
        resolve({ ms: performance.now() - t0, cpu: cpuSeconds(pid), pid, stop });
      }
    });
    void exited.then(() => {
      if (!done) reject(new Error(`strata exited before its first full frame:\n${stripAnsi(seen).slice(-2000)}`));
    });
  });
}

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  console.log(`strata start benchmark (load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}, ${runs} runs each)`);
  const empty = join(dir, 'empty');
  const big = join(dir, 'big');
  const populated = await populate(big, imageCount, containerCount);
  console.log(`populated ${imageCount} images and ${containerCount} containers in ${(populated / 1000).toFixed(1)} s`);

  const emptyFrame = (s: string) => s.includes('[4] Disk usage') && s.includes('No containers.');
  const bigFrame = (s: string) => s.includes(`[1] Containers (1/${containerCount})`);
  const baseline = process.env.BENCH_BASELINE_CLI;
  const builds: Array<[string, string]> = [['strata', cli], ...(baseline ? [['baseline', baseline] as [string, string]] : [])];
  const results: Array<{ label: string; build: string; walls: number[]; cpus: number[] }> = [];
  for (const [label, root, ready] of [
    ['empty data root', empty, emptyFrame],
    [`${imageCount} images, ${containerCount} containers`, big, bigFrame],
  ] as const) {
    const byBuild = builds.map(([build]) => ({ label, build, walls: [] as number[], cpus: [] as number[] }));
    // Interleaved, so that both builds see the same load.
    for (let i = 0; i < runs; i++) {
      for (const [n, [, entry]] of builds.entries()) {
        const s = await start(root, ready, entry);
        byBuild[n].walls.push(s.ms);
        byBuild[n].cpus.push(s.cpu * 1000);
        await s.stop();
      }
    }
    results.push(...byBuild);
  }
  const nodeWalls: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await new Promise((r) => spawn(process.execPath, ['-e', '0']).once('exit', r));
    nodeWalls.push(performance.now() - t0);
  }
  console.log(`\nnode -e 0 in this run: ${median(nodeWalls).toFixed(0)} ms (median of ${runs})`);
  console.log('\nfirst full frame           build      wall ms (median; runs)         CPU ms at the frame (median; runs)');
  for (const r of results) {
    console.log(
      `${r.label.padEnd(26)} ${r.build.padEnd(10)} ${median(r.walls).toFixed(0).padStart(6)}; ${r.walls.map((t) => t.toFixed(0)).join(' ').padEnd(22)} ${median(r.cpus).toFixed(0).padStart(6)}; ${r.cpus.map((t) => t.toFixed(0)).join(' ')}`,
    );
  }
  if (baseline) {
    for (let i = 0; i < results.length; i += 2) {
      const [ours, theirs] = [results[i], results[i + 1]];
      console.log(`${ours.label}: strata / baseline = ${(median(ours.walls) / median(theirs.walls)).toFixed(2)} wall, ${(median(ours.cpus) / median(theirs.cpus)).toFixed(2)} CPU`);
    }
  }

  const idle = await start(big, bigFrame);
  // The start-up work settles first: the engine loads after the first frame and lists again. Settled = two
  // half-seconds in a row with under 10 ms of CPU (at most 30 s).
  const settleStart = performance.now();
  for (let quiet = 0, last = cpuSeconds(idle.pid); quiet < 2 && performance.now() - settleStart < 30_000; ) {
    await new Promise((r) => setTimeout(r, 500));
    const now = cpuSeconds(idle.pid);
    quiet = now - last < 0.01 ? quiet + 1 : 0;
    last = now;
  }
  console.log(`\nstart-up work settled ${((performance.now() - settleStart) / 1000).toFixed(1)} s after the first frame, at ${(cpuSeconds(idle.pid) * 1000).toFixed(0)} ms CPU in all`);
  const before = cpuSeconds(idle.pid);
  await new Promise((r) => setTimeout(r, idleSeconds * 1000));
  const used = cpuSeconds(idle.pid) - before;
  await idle.stop();
  console.log(`\nidle for ${idleSeconds} s (${containerCount} containers listed): ${(used * 1000).toFixed(0)} ms CPU = ${((used / idleSeconds) * 100).toFixed(2)}% of one core (goal < 1%)`);
}

main()
  .catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => {
    cleanup();
    // The engine used to populate the store leaves handles open after close(); the figures are printed.
    process.exit();
  });
