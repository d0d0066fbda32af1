import { createReadStream } from 'node:fs';
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import { Readable } from 'node:stream';
import { type ImageInsightReport, analyzeArchive, isStrataError } from '@strata/core';
import { nodeCodecs, nodeHasher } from '@strata/storage';
import { analysisSummary } from './analysis-summary.js';
import { type AnalyzeRequest, analyzeUsage, parseAnalyzeArguments } from './analyze-arguments.js';
import { CiConfigError, type CiRules, evaluateCi, parseCiConfig } from './ci-rules.js';
import { openOrExplain } from './open-or-explain.js';

/** Exit statuses of `strata analyze` (see its usage text). */
export const AnalyzeExit = { ok: 0, ciFailed: 1, notFound: 2, corrupt: 3, badCiConfig: 4, usage: 125 } as const;

type Out = { stdout(s: string): void; stderr(s: string): void };

const isFile = async (p: string): Promise<boolean> => (await stat(p).catch(() => undefined))?.isFile() ?? false;

async function loadRules(req: AnalyzeRequest, out: Out): Promise<CiRules | number> {
  let path = req.ciConfig;
  if (path === undefined && (await isFile('.dive-ci'))) path = '.dive-ci';
  try {
    if (path === undefined) return parseCiConfig('');
    const text = await readFile(path, 'utf8').catch(() => {
      throw new CiConfigError(`cannot read ${path}`);
    });
    return parseCiConfig(text);
  } catch (e) {
    if (!(e instanceof CiConfigError)) throw e;
    out.stderr(`strata: ${path ?? '.dive-ci'}: ${e.message}\n`);
    return AnalyzeExit.badCiConfig;
  }
}

/** An error of the analysis as the exit status and message a user acts on. */
function failure(e: unknown, image: string): { status: number; message: string } | undefined {
  if (isStrataError(e, 'not-found')) return { status: AnalyzeExit.notFound, message: e.message };
  if (isStrataError(e, 'invalid') || isStrataError(e, 'conflict')) return { status: AnalyzeExit.corrupt, message: `${image}: ${e.message}` };
  return undefined;
}

/** Write a file whole or not at all (temp file + rename), or to stdout for "-". */
async function writeJson(path: string, reports: ImageInsightReport[], out: Out): Promise<void> {
  const text = `${JSON.stringify(reports.length === 1 ? reports[0] : reports)}\n`;
  if (path === '-') return out.stdout(text);
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  await writeFile(tmp, text);
  await rename(tmp, path);
}

/** `strata analyze`: returns the exit status. */
export async function runAnalyze(dataRoot: string | undefined, argv: readonly string[], out: Out): Promise<number> {
  const req = parseAnalyzeArguments(argv);
  if (req === 'help') {
    out.stdout(analyzeUsage);
    return AnalyzeExit.ok;
  }
  if (typeof req === 'string') {
    out.stderr(`strata: ${req}\nSee 'strata analyze --help'.\n`);
    return AnalyzeExit.usage;
  }
  const rules = req.ci ? await loadRules(req, out) : undefined;
  if (typeof rules === 'number') return rules;
  let reports: ImageInsightReport[];
  try {
    if (await isFile(req.image)) {
      const archive = Readable.toWeb(createReadStream(req.image, { highWaterMark: 1 << 20 })) as ReadableStream<Uint8Array>;
      reports = await analyzeArchive(archive, { codecs: nodeCodecs, hasher: nodeHasher }, { top: req.top });
    } else {
      if (/\.(tar|tgz|tar\.gz)$/.test(req.image) || req.image.includes('/') && req.image.startsWith('.')) {
        out.stderr(`strata: open ${req.image}: no such file or directory\n`);
        return AnalyzeExit.notFound;
      }
      const embedded = await openOrExplain(dataRoot);
      if (typeof embedded === 'number') return embedded;
      try {
        reports = [await embedded.engine.analyzeImage(req.image, { top: req.top, base: req.base })];
      } finally {
        await embedded.close();
      }
    }
  } catch (e) {
    const f = failure(e, req.image);
    if (!f) throw e;
    out.stderr(`strata: ${f.message}\n`);
    return f.status;
  }
  if (req.json) await writeJson(req.json, reports, out);
  if (req.json !== '-') for (const r of reports) out.stdout(analysisSummary(r, req.top));
  if (!rules) return AnalyzeExit.ok;
  let failed = false;
  for (const r of reports) {
    const results = evaluateCi(r, rules);
    const lines = results.map((x) => `  ${x.status}: ${x.rule}${x.message ? `: ${x.message}` : ''}`);
    const fails = results.filter((x) => x.status === 'FAIL').length;
    failed ||= fails > 0;
    const pass = results.filter((x) => x.status === 'PASS').length;
    const skip = results.filter((x) => x.status === 'SKIP').length;
    (fails ? out.stderr : out.stdout)(
      `Results for ${r.image.names[0]}:\n${lines.join('\n')}\nResult:${fails ? 'FAIL' : 'PASS'} [Total:${results.length}] [Passed:${pass}] [Failed:${fails}] [Warn:0] [Skipped:${skip}]\n`,
    );
  }
  return failed ? AnalyzeExit.ciFailed : AnalyzeExit.ok;
}
