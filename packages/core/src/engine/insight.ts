import { type Digest, shortId } from '../digest/index.js';
import { type ViewDifference, diffViews, viewAt } from '../insight/index.js';
import type { EngineContext } from './engine.js';
import { type ImageAnalysisDocument, documentOf, encodeKeptHead, keptDocument } from './insight-document.js';
import { type ImageInsightOptions, type ImageInsightReport, imageReport, layerSources } from './insight-report.js';
import { layerTablesOf } from './insight-tables.js';
import { ANALYSIS_DOCUMENT_NAMESPACE, IMAGE_ANALYSIS_NAMESPACE, analysisKey, keptAnalysisHead } from './kept-analysis.js';
import type { ImageRecord } from './records.js';
import { resolveImage } from './resolve.js';

/** One side of an image diff: an image, at its top or after its first `layers` layers. */
export interface ImageSide {
  name: string;
  layers?: number;
}

const noSuchImage = (n: string) => `No such image: ${n}`;

async function tablesOf(ctx: EngineContext, image: ImageRecord) {
  const tables = layerTablesOf(ctx.ports, ctx.store);
  return Promise.all(image.diffIds.map((d: Digest) => tables.table(d)));
}

export { IMAGE_ANALYSIS_NAMESPACE } from './kept-analysis.js';

/**
 * Analyse an image of the store from its layer indexes (recorded at load, or built from the blobs
 * once and kept). The finished analysis is kept, keyed by everything it depends on (see
 * analysisKey): a head (the summary) and the document (the JSON of the whole report) as two
 * records; asking again reads them and decodes no layer index at all.
 */
export async function analysisDocument(ctx: EngineContext, name: string, options: ImageInsightOptions = {}): Promise<ImageAnalysisDocument> {
  const k = await analysisKey(ctx.store, ctx.ports.hasher, name, options);
  const { image, top, tagNames } = k;
  const metadata = ctx.ports.metadata;
  const head = await keptAnalysisHead(metadata, k);
  const kept = head && (await metadata.getBytes?.(ANALYSIS_DOCUMENT_NAMESPACE, k.cacheKey).catch(() => undefined));
  const hit = head && kept && keptDocument(head, kept);
  if (hit) return hit;
  const [config, tables, layerRecords] = await Promise.all([
    ctx.store.config(image.id),
    tablesOf(ctx, image),
    Promise.all(image.diffIds.map((d) => ctx.store.layer(d))),
  ]);
  const sources = layerSources(
    config,
    tables,
    layerRecords.map((l) => l?.blobSize),
  );
  const report = imageReport({ id: image.id, names: tagNames.length ? tagNames : [shortId(image.id)], config }, sources, {
    top,
    baseLayers: k.baseLayers,
    baseSource: k.baseSource,
  });
  const doc = documentOf(report, top);
  // The document first: a head is only ever found beside the document it describes.
  await metadata.putBytes?.(ANALYSIS_DOCUMENT_NAMESPACE, k.cacheKey, doc.json);
  await metadata.putBytes?.(IMAGE_ANALYSIS_NAMESPACE, k.cacheKey, [encodeKeptHead(k.key, doc.summary, doc.json.reduce((n, p) => n + p.byteLength, 0))]);
  return doc;
}

/** The whole analysis of an image of the store as an object (see analysisDocument). */
export async function analyzeStoredImage(ctx: EngineContext, name: string, options: ImageInsightOptions = {}): Promise<ImageInsightReport> {
  return (await analysisDocument(ctx, name, options)).report();
}

/**
 * The file-level difference between two images of the store (each at its top layer, or at
 * `layers` layers from its base), sorted by path.
 */
export async function diffStoredImages(ctx: EngineContext, from: ImageSide, to: ImageSide): Promise<ViewDifference[]> {
  const [a, b] = await Promise.all([from, to].map((s) => resolveImage(ctx.store, s.name, noSuchImage)));
  const [ta, tb] = await Promise.all([tablesOf(ctx, a.image), tablesOf(ctx, b.image)]);
  return diffViews(viewAt(ta, from.layers ?? ta.length), viewAt(tb, to.layers ?? tb.length));
}
