import type { LayerInsight } from '../insight/index.js';
import type { ImageInsightReport } from './insight-report.js';

/**
 * The report without the per-layer change lists, and with `wastedPaths` and
 * `dive.inefficiencies` cut to the first `top`: everything a summary or a CI rule but
 * `forbidden-paths` reads, small enough to parse in no time.
 */
export type ImageInsightSummary = Omit<ImageInsightReport, 'layers'> & { layers: Omit<LayerInsight, 'changes'>[]; top: number };

/** A finished analysis as it is kept and served: its summary, and the whole report as JSON bytes. */
export interface ImageAnalysisDocument {
  summary: ImageInsightSummary;
  /** UTF-8 JSON of the whole ImageInsightReport, in pieces whose concatenation is the document. */
  json: readonly Uint8Array[];
  /** The whole report (parsed from `json` when the analysis was kept). */
  report(): ImageInsightReport;
}

const utf8 = new TextEncoder();

/** The summary of a report (see ImageInsightSummary). */
export function summaryOf(report: ImageInsightReport, top: number): ImageInsightSummary {
  return {
    ...report,
    layers: report.layers.map(({ changes: _changes, ...rest }) => rest),
    wastedPaths: report.wastedPaths.slice(0, top),
    dive: { ...report.dive, inefficiencies: report.dive.inefficiencies.slice(0, top) },
    top,
  };
}

/**
 * JSON.stringify(report) as UTF-8 pieces, one per layer, so no string of the whole document
 * (tens of megabytes for big images) is ever built. Keys come in the report's own order.
 */
export function reportJson(report: ImageInsightReport): Uint8Array[] {
  const parts: Uint8Array[] = [];
  let text = '{';
  for (const [key, value] of Object.entries(report)) {
    if (value === undefined) continue;
    text += `${text === '{' ? '' : ','}${JSON.stringify(key)}:`;
    if (key !== 'layers') {
      text += JSON.stringify(value);
      continue;
    }
    text += '[';
    report.layers.forEach((layer, i) => {
      parts.push(utf8.encode(text + (i ? ',' : '')));
      parts.push(utf8.encode(JSON.stringify(layer)));
      text = '';
    });
    text += ']';
  }
  parts.push(utf8.encode(`${text}}`));
  return parts;
}

/** A document over a report computed just now (its `report()` is that object, not a parse). */
export function documentOf(report: ImageInsightReport, top: number): ImageAnalysisDocument {
  return { summary: summaryOf(report, top), json: reportJson(report), report: () => report };
}

/** JSON.parse over pieces of UTF-8. */
export function parseJsonParts<T>(parts: readonly Uint8Array[]): T {
  const decoder = new TextDecoder();
  let text = '';
  for (const p of parts) text += decoder.decode(p, { stream: true });
  return JSON.parse(text + decoder.decode()) as T;
}

// The head of a kept analysis: "SIA2", u32 key length, key, u32 summary length, summary JSON,
// f64 length of the document. The document itself is a record of its own, byte for byte the JSON
// `strata analyze --json` writes, so a reader can hand it on without parsing or even reading it.
const MAGIC = [0x53, 0x49, 0x41, 0x32];

/** What the head of a kept analysis holds: its summary and the length of its document. */
export interface KeptAnalysisHead {
  summary: ImageInsightSummary;
  documentLength: number;
}

/** The head record of a kept analysis (with the key it was computed for, checked on read). */
export function encodeKeptHead(key: string, summary: ImageInsightSummary, documentLength: number): Uint8Array {
  const k = utf8.encode(key);
  const s = utf8.encode(JSON.stringify(summary));
  const head = new Uint8Array(20 + k.byteLength + s.byteLength);
  const view = new DataView(head.buffer);
  head.set(MAGIC, 0);
  view.setUint32(4, k.byteLength, true);
  head.set(k, 8);
  view.setUint32(8 + k.byteLength, s.byteLength, true);
  head.set(s, 12 + k.byteLength);
  view.setFloat64(12 + k.byteLength + s.byteLength, documentLength, true);
  return head;
}

/** The head a record keeps, when it was kept for `key` (anything else, torn or foreign, is ignored). */
export function decodeKeptHead(bytes: Uint8Array, key: string): KeptAnalysisHead | undefined {
  if (bytes.byteLength < 20 || MAGIC.some((b, i) => bytes[i] !== b)) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const keyLength = view.getUint32(4, true);
  if (8 + keyLength + 4 > bytes.byteLength) return undefined;
  if (new TextDecoder().decode(bytes.subarray(8, 8 + keyLength)) !== key) return undefined;
  const summaryLength = view.getUint32(8 + keyLength, true);
  const summaryEnd = 12 + keyLength + summaryLength;
  if (summaryEnd + 8 !== bytes.byteLength) return undefined;
  try {
    const summary = JSON.parse(new TextDecoder().decode(bytes.subarray(12 + keyLength, summaryEnd))) as ImageInsightSummary;
    return { summary, documentLength: view.getFloat64(summaryEnd, true) };
  } catch {
    return undefined;
  }
}

/** The kept analysis of a head and its document record, when the two belong together. */
export function keptDocument(head: KeptAnalysisHead, document: Uint8Array): ImageAnalysisDocument | undefined {
  // A document of another length, or one that does not end its object, is not the one the head describes.
  if (document.byteLength !== head.documentLength || document.byteLength < 2 || document[document.byteLength - 1] !== 0x7d) return undefined;
  const json = [document];
  let parsed: ImageInsightReport | undefined;
  return { summary: head.summary, json, report: () => (parsed ??= parseJsonParts<ImageInsightReport>(json)) };
}
