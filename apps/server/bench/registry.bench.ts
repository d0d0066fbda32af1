// Registry benchmark: stratad against a real dockerd (the baseline), each on a fresh loop-mounted
// ext4, driven by the real docker CLI against Debian's docker-registry on 127.0.0.1. Prints figures
// and ratios; asserts nothing.
//   docker pull of a ~150 MB image of 5 layers (pushed to the registry by skopeo, gzip as Hub's)
//   docker push of the same image after docker load (both engines gzip it), each run into a fresh
//   registry so that nothing is skipped or mounted; and docker push of the image as pulled (Strata
//   keeps the registry's gzip blobs and sends them as they are, dockerd compresses its layers again)
//   peak resident memory of stratad while it pulls an image with one 1 GB layer (sampled from
//   /proc every 20 ms); dockerd's peak during the 150 MB pull for reference
// Environment: BENCH_REGISTRY_RUNS (default 3), BENCH_BIG_LAYER_MB (default 1024), BENCH_REGISTRY_ENGINES
// (e.g. `strata` to measure one engine only), BENCH_REGISTRY_ONLY=rss (only stratad's peak RSS pulling
// the big layer, BENCH_REGISTRY_RUNS times, each from a fresh stratad: no 150 MB image, no dockerd).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGzip } from 'node:zlib';
import { Readable } from 'node:stream';
import { MediaType, parseNormalizedNamed } from '@strata/core';
import { type LocalRegistry, RegistryClient, startLocalRegistry } from '@strata/registry';
import { dockerCli, runDocker, type DockerRun } from '../src/testing/dockerd.js';
import { benchSession, dockerOn, firstLine, figure, MetricFailure, runCount, timedDocker, type Figure } from './cliMetrics.js';
import { startBaselineDockerd, startStratad, type BenchEngine, type EngineUnavailable } from './engines.js';
import { archiveLayer, sha256, writeDockerArchive, type ArchiveLayer } from './imageArchive.js';
import { median } from './imageMetrics.js';
import { SeededRandom } from './seededRandom.js';
import { TarWriter } from './tarWriter.js';

const MTIME = 1_700_000_000;
const LAYERS = 5;
const LAYER_MB = 30;
const SOURCE_REPO = 'bench/registry';


const settings = { runs: runCount('BENCH_REGISTRY_RUNS', 3), bigLayerMb: runCount('BENCH_BIG_LAYER_MB', 1024) };


interface RegistryFigures {
  pull: Figure;
  push: Figure;
  /** Push of the image as pulled from the registry (Strata keeps the gzip blobs; dockerd compresses again). */
  pushPulled: Figure;
  /** Peak RSS (MB) while pulling the 1 GB layer (strata) or the 150 MB image (dockerd, for reference). */
  rss: Figure;
  rssWhat: string;
}

const { cleanups, interrupt } = benchSession();

const docker = (engine: BenchEngine, args: string[]): Promise<DockerRun> => dockerOn(engine, args, { signal: interrupt.signal });
async function timed(engine: BenchEngine, args: string[]): Promise<{ seconds: number; run: DockerRun }> {
  const { ms, run } = await timedDocker(engine, args, { signal: interrupt.signal });
  return { seconds: ms / 1000, run };
}

/** A docker-registry on 127.0.0.1 whose storage is removed with it. */
async function registry(): Promise<LocalRegistry> {
  const r = await startLocalRegistry();
  cleanups.push(`docker-registry ${r.host}`, () => r.stop());
  return r;
}

/** Resident set size of `pid` in MB (VmRSS), or 0 once it is gone. */
function rssMb(pid: number): number {
  try {
    const kb = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    return (kb * 1024) / 1e6;
  } catch {
    return 0;
  }
}

/** RSS of `pid` split as the kernel counts it (MB): anonymous memory, mapped files, shared memory. */
function rssParts(pid: number): string {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const mb = (key: string) => ((Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) * 1024) / 1e6).toFixed(1);
    return `anon ${mb('RssAnon')}, file ${mb('RssFile')}, shmem ${mb('RssShmem')}`;
  } catch {
    return 'gone';
  }
}

/** Runs `work` while sampling `pid`'s RSS every 20 ms; resolves with the peak seen (MB) and its split. */
async function peakRss<T>(pid: number, work: () => Promise<T>): Promise<{ peak: number; parts: string; result: T }> {
  let peak = 0;
  let parts = '';
  const sample = () => {
    const now = rssMb(pid);
    if (now > peak) [peak, parts] = [now, rssParts(pid)];
  };
  sample();
  const timer = setInterval(sample, 20);
  try {
    const result = await work();
    sample();
    return { peak, parts, result };
  } finally {
    clearInterval(timer);
  }
}

/**
 * The 150 MB image: 5 layers of 30 MB, each a few hundred files whose bytes are half seeded-random,
 * half repeated text, so gzip halves them roughly as it does real layers.
 */
function benchLayers(): ArchiveLayer[] {
  const random = new SeededRandom(6);
  const text = new TextEncoder().encode('usr/lib/python3/dist-packages/strata/registry.py: def pull(reference, platform=None):\n'.repeat(2000));
  const layers: ArchiveLayer[] = [];
  for (let l = 0; l < LAYERS; l++) {
    const chunks: Uint8Array[] = [];
    const tar = new TarWriter((c) => chunks.push(c));
    tar.directory(`opt/layer${l}`, MTIME);
    let written = 0;
    for (let f = 0; written < LAYER_MB * 1e6; f++) {
      const size = random.logUniform(4 * 1024, 1024 * 1024);
      const content = new Uint8Array(size);
      const half = size >> 1;
      content.set(random.bytes(half));
      for (let o = half; o < size; o += text.length) content.set(text.subarray(0, Math.min(text.length, size - o)), o);
      tar.file(`opt/layer${l}/file${f}.dat`, content, MTIME);
      written += size;
    }
    tar.end();
    layers.push(archiveLayer(Buffer.concat(chunks)));
  }
  return layers;
}

function imageConfig(diffIds: string[]): Uint8Array {
  return new TextEncoder().encode(
    JSON.stringify({
      architecture: 'amd64',
      config: { Cmd: ['/bin/sh'], Env: ['PATH=/usr/bin:/bin'] },
      created: '2023-11-14T22:13:20Z',
      history: diffIds.map(() => ({ created: '2023-11-14T22:13:20Z', created_by: 'COPY . /opt' })),
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: diffIds },
    }),
  );
}

/**
 * Streams an image of one `mb` MB layer (a single file of seeded bytes, 1 MiB blocks varied per
 * block so gzip finds nothing to share) straight into the registry: nothing of it touches the disk
 * here, and the registry client hashes the gzip stream as it uploads.
 */
async function pushBigImage(target: LocalRegistry, mb: number): Promise<string> {
  const client = new RegistryClient();
  const ref = parseNormalizedNamed(`${target.host}/bench/big:v1`);
  const block = new SeededRandom(9).bytes(1 << 20);
  const size = mb * 1e6;
  const diffHash = createHash('sha256');
  const blobHash = createHash('sha256');
  let blobSize = 0;
  async function* tarStream(): AsyncGenerator<Uint8Array> {
    const parts: Uint8Array[] = [];
    const tar = new TarWriter((c) => parts.push(c));
    tar.fileHeader('big.bin', size, MTIME);
    yield* parts.splice(0);
    for (let sent = 0, n = 0; sent < size; n++) {
      const chunk = Buffer.from(block.subarray(0, Math.min(block.length, size - sent)));
      chunk.writeUInt32LE(n, 0);
      sent += chunk.length;
      yield chunk;
    }
    tar.pad(size);
    tar.end();
    yield* parts.splice(0);
  }
  const gzip = Readable.from(tarStream()).on('data', (c: Buffer) => diffHash.update(c)).pipe(createGzip({ level: 1 }));
  gzip.on('data', (c: Buffer) => {
    blobHash.update(c);
    blobSize += c.length;
  });
  const body = Readable.toWeb(gzip) as unknown as ReadableStream<Uint8Array>;
  let blobDigest = '';
  await client.uploadBlob(ref, body, () => (blobDigest = `sha256:${blobHash.digest('hex')}`));
  const config = await client.putBlob(ref, imageConfig([`sha256:${diffHash.digest('hex')}`]));
  const manifest = new TextEncoder().encode(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.dockerManifest,
      config: { mediaType: MediaType.dockerConfig, size: config.size, digest: config.digest },
      layers: [{ mediaType: MediaType.dockerLayerGzip, size: blobSize, digest: blobDigest }],
    }),
  );
  return client.putManifest(ref, 'v1', MediaType.dockerManifest, manifest);
}

/** Peak RSS of a fresh engine while it pulls the big image (its idle RSS is printed as well). */
async function bigPullPeak(start: () => Promise<BenchEngine | EngineUnavailable>, big: LocalRegistry): Promise<Figure> {
  const engine = await start();
  if ('unavailable' in engine) return { failed: engine.unavailable };
  try {
    if (!engine.pid) return { failed: 'no pid to sample' };
    const idle = rssMb(engine.pid);
    const idleParts = rssParts(engine.pid);
    const { peak, parts, result } = await peakRss(engine.pid, () => timed(engine, ['pull', `${big.host}/bench/big:v1`]));
    console.log(`${engine.name}: idle RSS ${idle.toFixed(1)} MB (${idleParts}), peak ${peak.toFixed(1)} MB (${parts}) while pulling ${settings.bigLayerMb} MB in ${result.seconds.toFixed(1)} s`);
    return { value: peak, runs: [peak] };
  } catch (err) {
    if (err instanceof MetricFailure) return { failed: err.message };
    throw err;
  } finally {
    await engine.stop();
  }
}

/** Pull, push and memory figures of one engine; the engine is stopped afterwards. */
async function measure(start: () => Promise<BenchEngine | EngineUnavailable>, archive: string, source: LocalRegistry, big: LocalRegistry, layers: ArchiveLayer[]): Promise<RegistryFigures | { unavailable: string }> {
  const engine = await start();
  if ('unavailable' in engine) return { unavailable: engine.unavailable };
  const mb = layers.reduce((n, l) => n + l.tar.length, 0) / 1e6;
  try {
    console.log(`${engine.name}: ${engine.filesystem}`);
    const sourceRef = `${source.host}/${SOURCE_REPO}:v1`;
    // From a fresh engine: load (uncompressed layers), then push, which compresses them.
    await docker(engine, ['load', '-i', archive]);
    const push = await figure(async () => {
      const runs: number[] = [];
      for (let i = 0; i < settings.runs; i++) {
        const target = await registry();
        const tag = `${target.host}/bench/pushed:v1`;
        await docker(engine, ['tag', 'bench/registry:v1', tag]);
        const { seconds, run } = await timed(engine, ['push', tag]);
        const pushed = run.stdout.split('\n').filter((l) => l.endsWith(': Pushed')).length;
        if (pushed !== LAYERS) throw new MetricFailure(`push ${i + 1} pushed ${pushed} layers, not ${LAYERS}`);
        runs.push(mb / seconds);
        await docker(engine, ['rmi', tag]);
        await target.stop();
      }
      return runs;
    });
    // The loaded image goes before the pulls, so that their layers come from the registry and not from it.
    await docker(engine, ['rmi', 'bench/registry:v1']);
    const left = (await docker(engine, ['images', '-aq'])).stdout.trim();
    if (left) throw new Error(`${engine.name} still lists images after rmi: ${left.split('\n').join(' ')}`);
    let dockerdPeak = 0;
    const pull = await figure(async () => {
      const runs: number[] = [];
      for (let i = 0; i < settings.runs; i++) {
        const work = () => timed(engine, ['pull', sourceRef]);
        const { peak, result } = engine.pid ? await peakRss(engine.pid, work) : { peak: 0, result: await work() };
        dockerdPeak = Math.max(dockerdPeak, peak);
        const complete = result.run.stdout.split('\n').filter((l) => l.endsWith(': Pull complete')).length;
        if (complete !== LAYERS) throw new MetricFailure(`pull ${i + 1} completed ${complete} layers, not ${LAYERS} (were some left from the run before?)`);
        runs.push(mb / result.seconds);
        await docker(engine, ['rmi', sourceRef]);
      }
      return runs;
    });
    const pushPulled = await figure(async () => {
      const runs: number[] = [];
      await docker(engine, ['pull', sourceRef]);
      for (let i = 0; i < settings.runs; i++) {
        const target = await registry();
        const tag = `${target.host}/bench/pulled:v1`;
        await docker(engine, ['tag', sourceRef, tag]);
        const { seconds, run } = await timed(engine, ['push', tag]);
        const pushed = run.stdout.split('\n').filter((l) => l.endsWith(': Pushed')).length;
        if (pushed !== LAYERS) throw new MetricFailure(`push ${i + 1} of the pulled image pushed ${pushed} layers, not ${LAYERS}`);
        runs.push(mb / seconds);
        await docker(engine, ['rmi', tag]);
        await target.stop();
      }
      await docker(engine, ['rmi', sourceRef]);
      return runs;
    });
    let rss: Figure;
    let rssWhat: string;
    if (engine.name === 'strata') {
      // A fresh stratad, so that the figure is the pull's and not what the runs above left in its heap.
      rssWhat = `peak RSS pulling a ${settings.bigLayerMb} MB layer`;
      await engine.stop();
      rss = await bigPullPeak(start, big);
    } else {
      rssWhat = `peak RSS pulling the ${mb.toFixed(0)} MB image (reference)`;
      rss = dockerdPeak > 0 ? { value: dockerdPeak, runs: [dockerdPeak] } : { failed: 'no pid to sample' };
    }
    return { pull, push, pushPulled, rss, rssWhat };
  } finally {
    await engine.stop();
  }
}

const cell = (f: Figure | undefined) => (f === undefined ? 'n/a' : 'failed' in f ? 'failed' : f.value.toFixed(1));

function report(dockerd: RegistryFigures | { unavailable: string }, strata: RegistryFigures | { unavailable: string }, mb: number): string[] {
  const get = (c: RegistryFigures | { unavailable: string }, k: 'pull' | 'push' | 'pushPulled' | 'rss') => ('unavailable' in c ? undefined : c[k]);
  const rows: string[][] = [['metric', 'dockerd', 'strata', 'ratio', 'target', 'met']];
  const metrics = [
    ['pull', `docker pull ${mb.toFixed(0)} MB, ${LAYERS} layers (MB/s)`],
    ['push', `docker push of it after docker load (MB/s)`],
    ['pushPulled', `docker push of it as pulled (MB/s)`],
  ] as const;
  for (const [key, label] of metrics) {
    const d = get(dockerd, key);
    const s = get(strata, key);
    const r = d && s && !('failed' in d) && !('failed' in s) ? s.value / d.value : undefined;
    rows.push([label, cell(d), cell(s), r === undefined ? '-' : `${r.toFixed(2)}x`, '>= 1.5x', r === undefined ? '-' : r >= 1.5 ? 'yes' : 'no']);
  }
  const s = get(strata, 'rss');
  rows.push([`stratad peak RSS, ${settings.bigLayerMb} MB layer pull (MB)`, cell(get(dockerd, 'rss')), cell(s), '-', '< 100 MB', !s || 'failed' in s ? '-' : s.value < 100 ? 'yes' : 'no']);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('   '));
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('   '));
  lines.push('');
  lines.push('MB = 10^6 bytes of uncompressed layer tar. ratio = strata / dockerd (higher is better).');
  if (!('unavailable' in dockerd)) lines.push(`dockerd's RSS column: ${dockerd.rssWhat}, dockerd alone.`);
  for (const [name, column] of [['dockerd', dockerd], ['strata', strata]] as const) {
    if ('unavailable' in column) {
      lines.push(`${name}: unavailable: ${column.unavailable}`);
      continue;
    }
    for (const key of ['pull', 'push', 'pushPulled', 'rss'] as const) {
      const f = column[key];
      if ('failed' in f) lines.push(`${name} ${key}: failed: ${f.failed}`);
      else if (f.runs.length > 1) lines.push(`${name} ${key} runs: ${f.runs.map((v) => v.toFixed(1)).join(', ')}`);
    }
  }
  return lines;
}

/** BENCH_REGISTRY_ONLY=rss: stratad's peak RSS pulling the big layer, each run from a fresh stratad. */
async function rssOnly(big: LocalRegistry): Promise<void> {
  const peaks: number[] = [];
  for (let i = 0; i < settings.runs; i++) {
    const f = await bigPullPeak(() => startStratad(cleanups), big);
    if ('failed' in f) throw new Error(`peak RSS run ${i + 1} failed: ${f.failed}`);
    peaks.push(f.value);
  }
  const peak = median(peaks);
  console.log('');
  console.log(`stratad peak RSS pulling a ${settings.bigLayerMb} MB layer: ${peak.toFixed(1)} MB (median of ${peaks.length}: ${peaks.map((p) => p.toFixed(1)).join(', ')}), target < 100 MB: ${peak < 100 ? 'met' : 'not met'}`);
}

async function main(): Promise<void> {
  const cli = dockerCli();
  if (!cli) throw new Error('docker CLI not found (/usr/local/bin/docker or /usr/bin/docker)');
  if (process.env.BENCH_REGISTRY_ONLY === 'rss') {
    const big = await registry();
    await pushBigImage(big, settings.bigLayerMb);
    return rssOnly(big);
  }
  const work = await mkdtemp(join(tmpdir(), 'strata-registry-bench-'));
  cleanups.push('workload dir', () => rm(work, { recursive: true, force: true }));
  const layers = benchLayers();
  const mb = layers.reduce((n, l) => n + l.tar.length, 0) / 1e6;
  const config = imageConfig(layers.map((l) => l.diffId));
  const archive = join(work, 'image.tar');
  writeDockerArchive(archive, layers, [{ config, repoTags: ['bench/registry:v1'], layers: layers.map((_, i) => i) }]);
  const source = await registry();
  // skopeo compresses with Go's gzip, as images on Hub are.
  execFileSync('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `docker-archive:${archive}`, `docker://${source.host}/${SOURCE_REPO}:v1`], { stdio: 'pipe' });
  const big = await registry();
  await pushBigImage(big, settings.bigLayerMb);
  console.log(`strata registry benchmark: docker CLI (${cli}), ${mb.toFixed(0)} MB image of ${LAYERS} layers (${sha256(config).slice(7, 19)}), runs (medians): ${settings.runs}`);
  // One engine at a time, so that neither competes with the other for the cores.
  const only = process.env.BENCH_REGISTRY_ENGINES?.split(',');
  const skipped = { unavailable: 'left out by BENCH_REGISTRY_ENGINES' };
  const dockerd = only && !only.includes('dockerd') ? skipped : await measure(() => startBaselineDockerd(cleanups), archive, source, big, layers);
  const strata = only && !only.includes('strata') ? skipped : await measure(() => startStratad(cleanups), archive, source, big, layers);
  console.log('');
  for (const line of report(dockerd, strata, mb)) console.log(line);
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
