// The three figures, each measured through the real docker CLI against one engine:
// `docker load` and `docker save` throughput of the many-file image, `docker images` latency
// with the fifty small images loaded.
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { runDocker, type DockerRun } from '../src/testing/dockerd.js';
import type { BenchEngine } from './engines.js';
import type { BenchArchive } from './workload.js';

/** One metric of one engine: its median over runs, or why it failed. */
export type Figure = { value: number; runs: number[] } | { failed: string };

export interface EngineFigures {
  version: string;
  load: Figure;
  save: Figure;
  images: Figure;
}

export interface MetricRuns {
  loadRuns: number;
  saveRuns: number;
  imagesRuns: number;
}

/** Median of a non-empty list. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

class MetricFailure extends Error {}

/** Where the benchmark's Ctrl-C reaches the docker CLI run in flight. */
let interruption: AbortSignal | undefined;

function docker(engine: BenchEngine, args: string[]): Promise<DockerRun> {
  interruption?.throwIfAborted();
  return runDocker(['-H', engine.host, ...args], { env: engine.env, signal: interruption });
}

async function expectOk(engine: BenchEngine, args: string[]): Promise<DockerRun> {
  const r = await docker(engine, args);
  if (r.code !== 0) throw new MetricFailure(`docker ${args[0]} exited ${r.code}: ${firstLine(r.stderr || r.stdout)}`);
  return r;
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0]?.slice(0, 160) ?? '';
}

/** Wall time of one docker CLI run in seconds, after flushing the engine's filesystem. */
async function timed(engine: BenchEngine, args: string[]): Promise<{ seconds: number; run: DockerRun }> {
  // Dirty pages of the previous step would otherwise be written back during this one.
  spawnSync('sync', ['-f', engine.scratch]);
  const start = process.hrtime.bigint();
  const run = await docker(engine, args);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (run.code !== 0) throw new MetricFailure(`docker ${args[0]} exited ${run.code}: ${firstLine(run.stderr || run.stdout)}`);
  return { seconds, run };
}

async function figure(measure: () => Promise<number[]>): Promise<Figure> {
  try {
    const runs = await measure();
    return { value: median(runs), runs };
  } catch (err) {
    if (err instanceof MetricFailure) return { failed: err.message };
    throw err;
  }
}

/** Measures load, save and images on `engine`, checking each result is the right image. */
export async function measureEngine(
  engine: BenchEngine,
  big: BenchArchive,
  small: BenchArchive,
  runs: MetricRuns,
  signal?: AbortSignal,
): Promise<EngineFigures> {
  interruption = signal;
  const version = await docker(engine, ['version', '--format', '{{.Server.Version}}']);
  const tag = big.repoTags[0]!;
  const bigId = big.imageIds[0]!;

  const images = await figure(async () => {
    await expectOk(engine, ['load', '-q', '-i', small.path]);
    const listed = await expectOk(engine, ['images', '--no-trunc', '--format', '{{.ID}}']);
    const ids = new Set(listed.stdout.trim().split('\n'));
    const missing = small.imageIds.filter((id) => !ids.has(id));
    if (missing.length > 0) throw new MetricFailure(`after load, docker images misses ${missing.length} of ${small.imageIds.length} images`);
    for (let i = 0; i < 2; i++) await expectOk(engine, ['images']); // warm-up
    const ms: number[] = [];
    for (let i = 0; i < runs.imagesRuns; i++) {
      const { seconds, run } = await timed(engine, ['images']);
      const rows = run.stdout.trim().split('\n').length - 1;
      if (rows !== small.imageIds.length) throw new MetricFailure(`docker images printed ${rows} rows, expected ${small.imageIds.length}`);
      ms.push(seconds * 1000);
    }
    return ms;
  });

  const load = await figure(async () => {
    const mbps: number[] = [];
    for (let i = 0; i < runs.loadRuns; i++) {
      if (i > 0) await expectOk(engine, ['rmi', tag]);
      const { seconds, run } = await timed(engine, ['load', '-i', big.path]);
      if (!run.stdout.includes(`Loaded image: ${tag}`)) throw new MetricFailure(`docker load printed no "Loaded image: ${tag}": ${firstLine(run.stdout)}`);
      const id = (await expectOk(engine, ['images', '--no-trunc', '--format', '{{.ID}}', tag])).stdout.trim();
      if (id !== bigId) throw new MetricFailure(`loaded image has ID ${id}, expected ${bigId}`);
      mbps.push(big.bytes / 1e6 / seconds);
    }
    return mbps;
  });

  const save = await figure(async () => {
    if ('failed' in load) throw new MetricFailure('nothing to save: load failed');
    const mbps: number[] = [];
    for (let i = 0; i < runs.saveRuns; i++) {
      const out = join(engine.scratch, `save-${i}.tar`);
      const { seconds } = await timed(engine, ['save', '-o', out, tag]);
      const bytes = statSync(out).size;
      if (i === 0) checkSavedArchive(out, bigId);
      await rm(out);
      mbps.push(bytes / 1e6 / seconds);
    }
    return mbps;
  });

  return { version: version.code === 0 ? version.stdout.trim() : `unknown (${firstLine(version.stderr)})`, load, save, images };
}

/** The saved archive must name the image's config in its manifest.json. */
function checkSavedArchive(path: string, imageId: string): void {
  const manifest = spawnSync('tar', ['-xOf', path, 'manifest.json'], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (manifest.status !== 0) throw new MetricFailure(`saved archive has no manifest.json: ${firstLine(manifest.stderr)}`);
  const hex = imageId.slice('sha256:'.length);
  if (!manifest.stdout.includes(hex)) throw new MetricFailure(`saved manifest.json does not name config ${hex.slice(0, 12)}`);
}
