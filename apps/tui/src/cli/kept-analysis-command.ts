// `strata analyze` answered from the analysis the store kept, by a bundle of its own
// (dist/analyze-kept.js) that loads neither the engine nor zod: a repeated analysis of a big image
// costs little more than starting node. Whatever it cannot answer for certain (an archive, an image
// without a kept analysis or with a stale one, a data root another process owns, help, bad
// arguments, errors) it leaves to the full command, so results, messages and exit statuses are the
// full command's.
import { closeSync, constants, copyFileSync, fchmodSync, fstatSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ANALYSIS_DOCUMENT_NAMESPACE, ImageRecordReader, type KeptAnalysisHead, analysisKey, keptAnalysisHead } from '@strata/core/kept-analysis';
import { DataRootLock, FsMetadataStore, defaultDataRoot, nodeHasher } from '@strata/storage/read-only';
import { analysisSummary } from './analysis-summary.js';
import { AnalyzeExit, type AnalyzeRequest, looksLikeArchivePath, parseAnalyzeArguments } from './analyze-arguments.js';
import { isFile, loadRules } from './ci-config-file.js';
import { reportCi } from './ci-report.js';

type Out = { stdout(s: string | Uint8Array): void; stderr(s: string): void };

/** A kept analysis that answers a request: its head (the summary) and the file of its document. */
export interface KeptAnswer {
  head: KeptAnalysisHead;
  documentPath: string;
}

/**
 * The kept analysis of `req.image` in the data root, found the way the engine finds it (the same
 * name resolution and the same key: image ID, base, list length, tags, analysis version), when
 * nobody owns the data root (its owner answers for it) and head and document are both there.
 */
export async function findKeptAnalysis(dataRoot: string | undefined, req: Pick<AnalyzeRequest, 'image' | 'top' | 'base'>): Promise<KeptAnswer | undefined> {
  const root = resolve(dataRoot ?? defaultDataRoot());
  if (await DataRootLock.ownerOf(root)) return undefined;
  const metadata = new FsMetadataStore(join(root, 'metadata'));
  const key = await analysisKey(new ImageRecordReader(metadata), nodeHasher, req.image, { top: req.top, base: req.base });
  const head = await keptAnalysisHead(metadata, key);
  if (!head) return undefined;
  const documentPath = metadata.bytesPathOf(ANALYSIS_DOCUMENT_NAMESPACE, key.cacheKey);
  // Both records are written whole (temp file and rename), the document first: its length tells it is the one the head describes.
  const size = (await stat(documentPath).catch(() => undefined))?.size;
  return size === head.documentLength ? { head, documentPath } : undefined;
}

/**
 * The document plus a newline, as the full command writes it: whole or not at all, to a file or to
 * stdout ("-"). Synchronous calls: one process doing one thing at a time, and on a busy machine
 * each trip through libuv's thread pool costs a wake-up of two threads.
 */
function writeDocument(documentPath: string, path: string, out: Out): void {
  if (path === '-') {
    out.stdout(readFileSync(documentPath));
    out.stdout('\n');
    return;
  }
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  // Created first as the full command creates it (its mode from the umask): copyFile gives it the record's mode, put back below.
  let fd: number | undefined = openSync(tmp, 'w');
  try {
    const { mode } = fstatSync(fd);
    // copy_file_range: the kernel copies the megabytes, none pass through this process (a reflink where the filesystem has them).
    copyFileSync(documentPath, tmp, constants.COPYFILE_FICLONE);
    writeSync(fd, '\n', fstatSync(fd).size);
    fchmodSync(fd, mode & 0o7777);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** `strata analyze` from the kept analysis: the exit status, or undefined when the full command must answer. */
export async function runKeptAnalysis(dataRoot: string | undefined, argv: readonly string[], out: Out): Promise<number | undefined> {
  const req = parseAnalyzeArguments(argv);
  if (typeof req !== 'object') return undefined;
  if (looksLikeArchivePath(req.image) || (await isFile(req.image))) return undefined;
  // Any failure to find it (no such image, unreadable records) is the full command's to explain.
  const kept = await findKeptAnalysis(dataRoot, req).catch(() => undefined);
  if (!kept) return undefined;
  const rules = req.ci ? await loadRules(req, out) : undefined;
  if (typeof rules === 'number') return rules;
  if (req.json) writeDocument(kept.documentPath, req.json, out);
  if (req.json !== '-') out.stdout(analysisSummary(kept.head.summary, req.top));
  if (!rules) return AnalyzeExit.ok;
  // Only the forbidden-paths rule reads the whole report.
  return reportCi([{ summary: kept.head.summary, report: () => JSON.parse(readFileSync(kept.documentPath, 'utf8')) }], rules, out);
}
