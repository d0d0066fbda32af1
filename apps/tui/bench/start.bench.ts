// strata start benchmark: time from launching the built `dist/cli.js` in a terminal (a pty from
// util-linux `script`, 150x40) to the first full frame (both lists loaded), on an empty data root
// and on one with 200 images and 1,000 containers; then the CPU time the idle app uses in 60 s.
// Prints figures; asserts nothing.
//   BENCH_START_RUNS (default 3), BENCH_IDLE_SECONDS (default 60), BENCH_IMAGES, BENCH_CONTAINERS override the workload.
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
  pid: number;
  stop(): Promise<void>;
}

/** Launches strata in a pty and resolves at the first frame that shows both lists loaded. */
function start(root: string, loaded: (screen: string) => boolean): Promise<Started> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const command = `stty cols 150 rows 40; echo STRATA_PID:$$; exec '${process.execPath}' '${cli}' --data-root '${root}'`;
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
        resolve({ ms: performance.now() - t0, pid, stop });
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
  const results: Array<[string, number[]]> = [];
  for (const [label, root, ready] of [
    ['empty data root', empty, emptyFrame],
    [`${imageCount} images, ${containerCount} containers`, big, bigFrame],
  ] as const) {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const s = await start(root, ready);
      times.push(s.ms);
      await s.stop();
    }
    results.push([label, times]);
  }
  console.log('\nfirst full frame (ms)    median    runs');
  for (const [label, times] of results) console.log(`${label.padEnd(36)} ${median(times).toFixed(0).padStart(6)}    ${times.map((t) => t.toFixed(0)).join(' ')}`);

  const idle = await start(big, bigFrame);
  await new Promise((r) => setTimeout(r, 2000)); // let the start-up work settle
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
  .finally(cleanup);
