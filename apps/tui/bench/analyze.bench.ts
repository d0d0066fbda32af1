// strata analyze benchmark: a synthetic 1 GB image of 60,000 files in 10 layers (with
// overwrites, whiteouts, a deleted directory and an opaque directory per layer), analysed by
// the built `dist/cli.js` as a user runs it. Prints wall time, CPU time and peak RSS of each run, the
// cost of starting node and the CLI, and the phases of a first analysis one by one; asserts nothing.
//   BENCH_ANALYZE_BYTES, BENCH_ANALYZE_FILES, BENCH_ANALYZE_LAYERS, BENCH_ANALYZE_RUNS override the workload.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { analyzePhases } from './analyze-phases.js';
import { writeSyntheticArchive } from './synthetic-image.js';

const here = dirname(fileURLToPath(import.meta.url));
// bench/dist/analyze.bench.js once built: the CLI is ../../dist/cli.js from there.
const cli = join(here, here.endsWith('dist') ? '../../dist/cli.js' : '../dist/cli.js');
const num = (v: string | undefined, fallback: number) => (v === undefined ? fallback : Number(v));
const opts = {
  totalBytes: num(process.env.BENCH_ANALYZE_BYTES, 1 << 30),
  files: num(process.env.BENCH_ANALYZE_FILES, 60_000),
  layers: num(process.env.BENCH_ANALYZE_LAYERS, 10),
};
const runs = num(process.env.BENCH_ANALYZE_RUNS, 3);

const dir = mkdtempSync(join(tmpdir(), 'strata-analyze-bench-'));
const cleanup = () => rmSync(dir, { recursive: true, force: true });
process.on('SIGINT', () => (cleanup(), process.exit(130)));
process.on('SIGTERM', () => (cleanup(), process.exit(143)));

// Peak RSS of the child itself, reported as it exits.
const rssProbe = join(dir, 'rss-probe.cjs');
writeFileSync(
  rssProbe,
  "process.on('exit', () => { const u = process.resourceUsage(); require('fs').writeSync(2, '\\nMAXRSS_KB ' + u.maxRSS + ' CPU_US ' + (u.userCPUTime + u.systemCPUTime) + '\\n'); });\n",
);

interface Run {
  seconds: number;
  /** CPU time of the child (user + system): what the run costs when the machine is busy with others. */
  cpuSeconds: number;
  rssMB: number;
}

function strata(...args: string[]): Run {
  return measured([cli, '--data-root', join(dir, 'root'), ...args]);
}

function measured(argv: string[]): Run {
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['-r', rssProbe, ...argv], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.status !== 0) throw new Error(`node ${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
  const probe = /MAXRSS_KB (\d+) CPU_US (\d+)/.exec(r.stderr);
  return { seconds, cpuSeconds: Number(probe?.[2] ?? NaN) / 1e6, rssMB: Number(probe?.[1] ?? NaN) / 1024 };
}

const fmt = (r: Run) => `${r.seconds.toFixed(3)} s wall, ${r.cpuSeconds.toFixed(3)} s CPU, ${r.rssMB.toFixed(0)} MB peak RSS`;
const median = (xs: Run[]): Run => {
  const s = [...xs].sort((a, b) => a.seconds - b.seconds);
  return s[Math.floor(s.length / 2)];
};

try {
  const archive = join(dir, 'synthetic.tar');
  const t0 = Date.now();
  const facts = await writeSyntheticArchive(archive, opts);
  console.log(
    `workload: ${facts.fileEntries} file entries, ${(facts.layerBytes / 1e9).toFixed(2)} GB of file bytes in ${opts.layers} layers; archive ${(statSync(archive).size / 1e9).toFixed(2)} GB, written in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
  console.log(`machine: load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`strata load:                                                     ${fmt(strata('load', archive))}`);
  const json = join(dir, 'analysis.json');
  const metadata = join(dir, 'root', 'metadata');
  const first = strata('analyze', facts.tag, '--json', json);
  console.log(`analyze --json, first run after load (indexes recorded at load): ${fmt(first)}`);
  // The same kept analysis through the full bundle (dist/analyze.js: engine parts, zod, the lock), as every
  // repeated analysis ran before dist/analyze-kept.js answered it. The three take turns, run after run, with
  // `node -e 0`, so that all see the same load: on a shared machine their ratios are the figures that count.
  const fullBundle = pathToFileURL(join(dirname(cli), 'analyze.js')).href;
  const viaFullArgs = ['-e', `import(${JSON.stringify(fullBundle)}).then((m) => m.runAnalyze(${JSON.stringify(join(dir, 'root'))}, ${JSON.stringify([facts.tag, '--json', json])}, { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) })).then((s) => { process.exitCode = s; })`];
  const repeated: Run[] = [];
  const viaFull: Run[] = [];
  const nodeStarts: Run[] = [];
  for (let i = 0; i < runs; i++) {
    repeated.push(strata('analyze', facts.tag, '--json', json));
    viaFull.push(measured(viaFullArgs));
    nodeStarts.push(measured(['-e', '0']));
  }
  const node0 = median(nodeStarts);
  console.log(`analyze --json, repeated (kept analysis, median of ${runs}):       ${fmt(median(repeated))}`);
  console.log(`analyze --json, repeated through the full bundle (median of ${runs}): ${fmt(median(viaFull))}`);
  console.log(`node -e 0, in turn with the two above (median of ${runs}):         ${fmt(node0)}`);
  const ratio = (r: Run) => `${(r.seconds / node0.seconds).toFixed(2)}x wall, ${(r.cpuSeconds / node0.cpuSeconds).toFixed(2)}x CPU`;
  console.log(`repeated analyze / node -e 0: ${ratio(median(repeated))} (through the full bundle: ${ratio(median(viaFull))})`);
  rmSync(join(metadata, 'image-analysis'), { recursive: true, force: true });
  console.log(`analyze --json, recomputed from the kept indexes:               ${fmt(strata('analyze', facts.tag, '--json', json))}`);
  rmSync(join(metadata, 'image-analysis'), { recursive: true, force: true });
  rmSync(join(metadata, 'layer-index'), { recursive: true, force: true });
  console.log(`analyze --json, indexes rebuilt from the layer blobs:           ${fmt(strata('analyze', facts.tag, '--json', json))}`);
  console.log(`analyze --json of the archive file (no store):                  ${fmt(strata('analyze', archive, '--json', json))}`);
  console.log(`analysis JSON: ${(statSync(json).size / 1e6).toFixed(1)} MB`);
  console.log('process start, for scale:');
  console.log(`  node -e 0:                                                      ${fmt(median(Array.from({ length: runs }, () => measured(['-e', '0']))))}`);
  console.log(`  strata --version (modules loaded, nothing done):               ${fmt(median(Array.from({ length: runs }, () => measured([cli, '--version']))))}`);
  console.log(`machine: load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log('phases of a first analysis, measured one by one in the bench process:');
  for (const p of await analyzePhases(join(dir, 'root'), facts.tag, dir)) console.log(`  ${p.name.padEnd(48)} ${p.ms.toFixed(0).padStart(6)} ms wall ${p.cpuMs.toFixed(0).padStart(6)} ms CPU`);
  console.log('goals: first run < 2 s and < 150 MB; repeated < 0.3 s');
} finally {
  cleanup();
}
