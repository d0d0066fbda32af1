// Container files benchmark: stratad against a real dockerd (the baseline), each on a fresh
// loop-mounted ext4, driven by the real docker CLI. Prints figures and ratios; asserts nothing.
//   docker diff and docker commit of a container that changed 1,000 files of its image and added 1,000
//   docker cp of a 100 MB directory (100 files of 1 MB) into the container and out of it
// The image is `docker import`ed (busybox and 1,000 small files under /data), so both engines start
// from the same bytes. Environment: BENCH_FILES_RUNS (default 5), BENCH_CP_RUNS (default 3).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dockerCli, runDocker, type DockerRun } from '../src/testing/dockerd.js';
import { benchSession, dockerOn, firstLine, figure, MetricFailure, runCount, timedDocker, type Figure } from './cliMetrics.js';
import { startBaselineDockerd, startStratad, type BenchEngine, type EngineUnavailable } from './engines.js';
import { median } from './imageMetrics.js';

const IMAGE = 'bench-files:v1';
const FILES = 1000;
const CP_FILES = 100;
const CP_FILE_BYTES = 1 << 20;


const settings = { runs: runCount('BENCH_FILES_RUNS', 5), cpRuns: runCount('BENCH_CP_RUNS', 3) };

type Key = 'diff' | 'commit' | 'cpIn' | 'cpOut';
type Column = { version: string; figures: Record<Key, Figure> } | { unavailable: string };

const { cleanups, interrupt } = benchSession();

const docker = (engine: BenchEngine, args: string[]): Promise<DockerRun> => dockerOn(engine, args, { signal: interrupt.signal });
const timed = (engine: BenchEngine, args: string[]) => timedDocker(engine, args, { signal: interrupt.signal });

/** The rootfs tar imported as the image: the host's static busybox, `sh`, and FILES small files under /data. */
function makeRootfs(dir: string): string {
  const root = join(dir, 'rootfs');
  mkdirSync(join(root, 'bin'), { recursive: true });
  mkdirSync(join(root, 'data'));
  execFileSync('cp', ['/bin/busybox', join(root, 'bin/busybox')]);
  symlinkSync('busybox', join(root, 'bin/sh'));
  for (let i = 0; i < FILES; i++) writeFileSync(join(root, 'data', `f${i}`), `file ${i}\n`.repeat(8));
  const tar = join(dir, 'rootfs.tar');
  execFileSync('tar', ['-C', root, '-cf', tar, '.']);
  rmSync(root, { recursive: true });
  return tar;
}

/** A 100 MB directory of incompressible 1 MB files for docker cp. */
function makeCpSource(dir: string): string {
  const src = join(dir, 'cp-src');
  mkdirSync(src, { recursive: true });
  for (let i = 0; i < CP_FILES; i++) writeFileSync(join(src, `blob${i}`), randomBytes(CP_FILE_BYTES));
  return src;
}

async function measure(engine: BenchEngine): Promise<{ version: string; figures: Record<Key, Figure> }> {
  const version = (await docker(engine, ['version', '--format', '{{.Server.Version}}'])).stdout.trim();
  const tar = makeRootfs(engine.scratch);
  await docker(engine, ['import', '-c', 'CMD ["sh"]', tar, IMAGE]);
  const script = `i=0; while [ $i -lt ${FILES} ]; do echo changed >> /data/f$i; echo new > /data/n$i; i=$((i+1)); done`;
  await docker(engine, ['run', '--name', 'changed', IMAGE, 'sh', '-c', script]);
  const lines = (await docker(engine, ['diff', 'changed'])).stdout.trim().split('\n').length;
  if (lines !== 2 * FILES + 1) throw new MetricFailure(`docker diff printed ${lines} lines, expected ${2 * FILES + 1}`);

  const diff = await figure(async () => {
    await docker(engine, ['diff', 'changed']); // warm-up
    const ms: number[] = [];
    for (let i = 0; i < settings.runs; i++) ms.push((await timed(engine, ['diff', 'changed'])).ms);
    return ms;
  });
  const commit = await figure(async () => {
    const ms: number[] = [];
    for (let i = 0; i < settings.runs; i++) ms.push((await timed(engine, ['commit', 'changed', `bench-commit:${i}`])).ms);
    return ms;
  });

  const src = makeCpSource(engine.scratch);
  const cpIn = await figure(async () => {
    const ms: number[] = [];
    for (let i = 0; i < settings.cpRuns; i++) ms.push((await timed(engine, ['cp', src, `changed:/cp${i}`])).ms);
    return ms;
  });
  const cpOut = await figure(async () => {
    const ms: number[] = [];
    for (let i = 0; i < settings.cpRuns; i++) {
      const out = join(engine.scratch, `cp-out-${i}`);
      ms.push((await timed(engine, ['cp', `changed:/cp${i}`, out])).ms);
      const copied = execFileSync('du', ['-sb', out]).toString().split('\t')[0];
      if (Number(copied) < CP_FILES * CP_FILE_BYTES) throw new MetricFailure(`docker cp out copied ${copied} bytes`);
      rmSync(out, { recursive: true });
    }
    return ms;
  });
  rmSync(src, { recursive: true });
  rmSync(tar);
  return { version, figures: { diff, commit, cpIn, cpOut } };
}

async function engineColumn(start: () => Promise<BenchEngine | EngineUnavailable>): Promise<Column> {
  const engine = await start();
  if ('unavailable' in engine) {
    console.log(`${engine.name}: not available (${engine.unavailable})`);
    return { unavailable: engine.unavailable };
  }
  try {
    const started = Date.now();
    const result = await measure(engine);
    console.log(`${engine.name} ${result.version} on ${engine.filesystem}: measured in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return result;
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

const rows: Array<{ key: Key; label: string; goal: number }> = [
  { key: 'diff', label: `docker diff, ${FILES} changed + ${FILES} added`, goal: 0.5 },
  { key: 'commit', label: `docker commit, ${FILES} changed + ${FILES} added`, goal: 0.5 },
  { key: 'cpIn', label: `docker cp ${(CP_FILES * CP_FILE_BYTES) / 1e6} MB dir into the container`, goal: 1 },
  { key: 'cpOut', label: `docker cp ${(CP_FILES * CP_FILE_BYTES) / 1e6} MB dir out of the container`, goal: 1 },
];

function report(dockerd: Column, strata: Column): string[] {
  const of = (c: Column, k: Key) => ('unavailable' in c ? undefined : c.figures[k]);
  const cell = (f: Figure | undefined) => (f === undefined ? 'n/a' : 'failed' in f ? 'failed' : f.value.toFixed(1));
  const table = [['metric (ms)', 'dockerd', 'strata', 'strata/dockerd', 'goal', 'met']];
  for (const row of rows) {
    const d = of(dockerd, row.key);
    const s = of(strata, row.key);
    const r = d && s && !('failed' in d) && !('failed' in s) ? s.value / d.value : undefined;
    table.push([row.label, cell(d), cell(s), r === undefined ? '-' : `${r.toFixed(2)}x`, `<= ${row.goal}x`, r === undefined ? '' : r <= row.goal ? 'yes' : 'no']);
  }
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  const lines = table.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('   '));
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('   '));
  for (const [name, column] of [['dockerd', dockerd], ['strata', strata]] as const) {
    for (const row of rows) {
      const f = of(column, row.key);
      if (f && 'failed' in f) lines.push(`${name} ${row.label}: failed: ${f.failed}`);
      else if (f) lines.push(`${name} ${row.label} runs (ms): ${f.runs.map((v) => v.toFixed(1)).join(', ')}`);
    }
  }
  return lines;
}

async function main(): Promise<void> {
  const cli = dockerCli();
  if (!cli) throw new Error('docker CLI not found (/usr/local/bin/docker or /usr/bin/docker)');
  console.log(`strata container files benchmark: docker CLI (${cli}); diff/commit runs ${settings.runs}, cp runs ${settings.cpRuns} (medians)`);
  // One engine at a time, so that neither competes with the other for the cores.
  const dockerd = await engineColumn(() => startBaselineDockerd(cleanups));
  const strata = await engineColumn(() => startStratad(cleanups));
  console.log('');
  for (const line of report(dockerd, strata)) console.log(line);
}

try {
  await main();
} catch (err) {
  console.error(`benchmark failed: ${(err as Error).stack ?? err}`);
  process.exitCode = 1;
} finally {
  await cleanups.runAll();
}
