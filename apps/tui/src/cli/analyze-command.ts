import { createReadStream } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { type ImageAnalysisDocument, analyzeArchive, documentOf, isStrataError, storedAnalysisDocument } from '@strata/core';
import { DataRootInUseError, defaultDataRoot, nodeCodecs, nodeHasher, openDataRoot } from '@strata/storage';
import { analysisSummary } from './analysis-summary.js';
import { AnalyzeExit, type AnalyzeRequest, analyzeUsage, looksLikeArchivePath, parseAnalyzeArguments } from './analyze-arguments.js';
import { isFile, loadRules } from './ci-config-file.js';
import { reportCi } from './ci-report.js';
import { explainOpenFailure } from './data-root-engine.js';

export { AnalyzeExit } from './analyze-arguments.js';

type Out = { stdout(s: string | Uint8Array): void; stderr(s: string): void };

/** An error of the analysis as the exit status and message a user acts on. */
function failure(e: unknown, image: string): { status: number; message: string } | undefined {
  if (isStrataError(e, 'not-found')) return { status: AnalyzeExit.notFound, message: e.message };
  if (isStrataError(e, 'invalid') || isStrataError(e, 'conflict')) return { status: AnalyzeExit.corrupt, message: `${image}: ${e.message}` };
  if (isStrataError(e, 'unavailable')) return { status: AnalyzeExit.daemonUnreachable, message: e.message };
  return undefined;
}

/** The JSON document of one analysis, or an array of several, as pieces. */
function jsonParts(docs: readonly ImageAnalysisDocument[]): readonly Uint8Array[] {
  if (docs.length === 1) return docs[0].json;
  const punct = (s: string) => new TextEncoder().encode(s);
  return [punct('['), ...docs.flatMap((d, i) => (i ? [punct(','), ...d.json] : d.json)), punct(']')];
}

/** Write a file whole or not at all (temp file + rename), or to stdout for "-"; the pieces go out as they are. */
async function writeJson(path: string, docs: readonly ImageAnalysisDocument[], out: Out): Promise<void> {
  const parts = [...jsonParts(docs), new TextEncoder().encode('\n')];
  if (path === '-') {
    for (const p of parts) out.stdout(p);
    return;
  }
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const fh = await open(tmp, 'w');
  try {
    // writev takes at most IOV_MAX (1024) buffers at a time, and may write less than asked.
    for (let i = 0; i < parts.length; i += 1024) {
      const batch = parts.slice(i, i + 1024);
      let { bytesWritten } = await fh.writev(batch);
      for (const p of batch) {
        if (bytesWritten >= p.byteLength) bytesWritten -= p.byteLength;
        else {
          await fh.write(p, bytesWritten);
          bytesWritten = 0;
        }
      }
    }
    await fh.close();
    await rename(tmp, path);
  } catch (e) {
    await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}

/**
 * The analysis of an image in the data root: read-only, so no hash thread is started. When a
 * stratad owns the data root, it is asked instead, as its client.
 */
async function analyzeStored(dataRoot: string | undefined, req: AnalyzeRequest, out: Out): Promise<ImageAnalysisDocument | number> {
  let root;
  try {
    root = await openDataRoot(dataRoot ?? defaultDataRoot(), { hashThread: false });
  } catch (e) {
    if (e instanceof DataRootInUseError && e.owner.socket) {
      const { fetchAnalysis } = await import('./analyze-client.js');
      return fetchAnalysis(e.owner.socket, req.image, { top: req.top, base: req.base });
    }
    out.stderr(`strata: ${explainOpenFailure(e, dataRoot)}\n`);
    return 1;
  }
  // No engine: re-adopting containers and naming networks is not what an analysis needs, and
  // without createEngine the container side of the engine stays out of this command's modules.
  try {
    return await storedAnalysisDocument(root.ports, req.image, { top: req.top, base: req.base });
  } finally {
    await root.close();
  }
}

/** `strata analyze`: returns the exit status. */
export async function runAnalyze(dataRoot: string | undefined, argv: readonly string[], out: Out): Promise<number> {
  // Most of what the analysis allocates lives until the end (one object per change), so a young
  // generation grown to V8's maximum buys no speed, only about 35 MB of resident memory on a
  // 60,000-file image. Kept at its starting size, the peak stays near the live data.
  setFlagsFromString('--semi-space-growth-factor=1');
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
  let docs: ImageAnalysisDocument[];
  try {
    if (await isFile(req.image)) {
      const archive = Readable.toWeb(createReadStream(req.image, { highWaterMark: 1 << 20 })) as ReadableStream<Uint8Array>;
      const reports = await analyzeArchive(archive, { codecs: nodeCodecs, hasher: nodeHasher }, { top: req.top });
      docs = reports.map((r) => documentOf(r, req.top));
    } else {
      if (looksLikeArchivePath(req.image)) {
        out.stderr(`strata: open ${req.image}: no such file or directory\n`);
        return AnalyzeExit.notFound;
      }
      const doc = await analyzeStored(dataRoot, req, out);
      if (typeof doc === 'number') return doc;
      docs = [doc];
    }
  } catch (e) {
    const f = failure(e, req.image);
    if (!f) throw e;
    out.stderr(`strata: ${f.message}\n`);
    return f.status;
  }
  if (req.json) await writeJson(req.json, docs, out);
  if (req.json !== '-') for (const d of docs) out.stdout(analysisSummary(d.summary, req.top));
  if (!rules) return AnalyzeExit.ok;
  return reportCi(docs, rules, out);
}
