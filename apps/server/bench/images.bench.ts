// Image benchmark: Strata's stratad against a real dockerd, each on a fresh loop-mounted ext4,
// both driven by the real docker CLI. Prints figures; asserts nothing about timing.
//   docker load / docker save throughput of a ~150 MB image of ~4000 files in 4 layers
//   docker images latency with 50 small images loaded
// A third column, the ceiling, runs the same CLI commands against a server that does no work
// (load drops the body, save streams the archive file, images answers from memory), so the table
// shows which part of each figure no engine can remove.
// Environment: BENCH_LOAD_RUNS, BENCH_SAVE_RUNS, BENCH_IMAGES_RUNS override the run counts.
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { dockerCli, runDocker } from '../src/testing/dockerd.js';
import { benchSession, runCount } from './cliMetrics.js';
import { startBaselineDockerd, startCeiling, startStratad, type BenchEngine, type EngineName, type EngineUnavailable } from './engines.js';
import { measureEngine, median, type MetricRuns } from './imageMetrics.js';
import { formatReport, type EngineColumn } from './report.js';
import { writeManyFilesImage, writeSmallImages, type BenchArchive } from './workload.js';

const SMALL_IMAGES = 50;

const runs: MetricRuns = {
  loadRuns: runCount('BENCH_LOAD_RUNS', 3),
  saveRuns: runCount('BENCH_SAVE_RUNS', 3),
  imagesRuns: runCount('BENCH_IMAGES_RUNS', 20),
};

// The first Ctrl-C stops the main flow at its next docker call (the one in flight is killed); a second cleans up now.
const { cleanups, interrupt } = benchSession();

function name(engine: { name: EngineName }): string {
  return engine.name === 'strata' ? 'stratad' : engine.name === 'ceiling' ? 'ceiling server' : 'dockerd';
}

async function engineColumn(start: () => Promise<BenchEngine | EngineUnavailable>, big: BenchArchive, small: BenchArchive): Promise<EngineColumn> {
  interrupt.signal.throwIfAborted();
  const engine = await start();
  if ('unavailable' in engine) {
    console.log(`${name(engine)}: not available (${engine.unavailable})`);
    return { unavailable: engine.unavailable };
  }
  try {
    const started = Date.now();
    const figures = await measureEngine(engine, big, small, runs, interrupt.signal);
    interrupt.signal.throwIfAborted();
    console.log(`${name(engine)} ${figures.version} on ${engine.filesystem}: measured in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return figures;
  } finally {
    await engine.stop();
  }
}

async function main(): Promise<void> {
  const cli = dockerCli();
  if (!cli) throw new Error('docker CLI not found (/usr/local/bin/docker or /usr/bin/docker)');
  const cliVersion = (await runDocker(['version', '--format', '{{.Client.Version}}'], { env: { DOCKER_HOST: 'unix:///nonexistent.sock' } })).stdout.trim();

  const work = await mkdtemp(join(tmpdir(), 'strata-bench-'));
  cleanups.push('archives', () => rm(work, { recursive: true, force: true }));
  const generated = Date.now();
  const big = writeManyFilesImage(work);
  const small = writeSmallImages(work, SMALL_IMAGES);
  console.log(`strata image benchmark: docker CLI ${cliVersion || '?'} (${cli})`);
  console.log(
    `  ${big.repoTags[0]}: ${big.layers} layers, ${big.files} entries, ${(big.bytes / 1e6).toFixed(1)} MB archive; ` +
      `${SMALL_IMAGES} small images over one ${(small.bytes / 1e3).toFixed(0)} kB archive (generated in ${((Date.now() - generated) / 1000).toFixed(1)} s)`,
  );
  console.log(`  runs: load ${runs.loadRuns}, save ${runs.saveRuns}, images ${runs.imagesRuns} (medians; MB = 10^6 bytes)`);
  // What `docker images` costs before any daemon work: the CLI's own start (no daemon contacted).
  const floor: number[] = [];
  for (let i = 0; i < 10; i++) {
    const start = process.hrtime.bigint();
    await runDocker(['--version'], { signal: interrupt.signal });
    floor.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  console.log(`  docker CLI start alone (docker --version): ${median(floor).toFixed(1)} ms median; load average ${loadavg()[0]!.toFixed(2)}`);

  // One engine at a time, so that neither competes with the other for the two cores.
  const dockerd = await engineColumn(() => startBaselineDockerd(cleanups), big, small);
  const strata = await engineColumn(() => startStratad(cleanups), big, small);
  // The same CLI commands against a server that does no work: what the CLI, the socket and the
  // filesystem leave for any engine.
  const ceiling = await engineColumn(() => startCeiling(cleanups, big, small), big, small);
  console.log('');
  for (const line of formatReport(dockerd, strata, ceiling)) console.log(line);
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
