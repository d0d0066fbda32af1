import { type Digest, digestHex, sha256OfText, shortId } from '../digest/index.js';
import { notFound } from '../errors/index.js';
import { type ViewDifference, diffViews, viewAt } from '../insight/index.js';
import type { EngineContext } from './engine.js';
import { type ImageAnalysisDocument, decodeKeptDocument, documentOf, encodeKeptDocument } from './insight-document.js';
import { type ImageInsightOptions, type ImageInsightReport, basePrefixLength, imageReport, layerSources } from './insight-report.js';
import { layerTablesOf } from './insight-tables.js';
import { namesOf } from './image-views.js';
import type { ImageRecord } from './records.js';
import { resolveImage } from './resolve.js';

/** One side of an image diff: an image, at its top or after its first `layers` layers. */
export interface ImageSide {
  name: string;
  layers?: number;
}

const noSuchImage = (n: string) => `No such image: ${n}`;

/** The image this one was built on, as far as the store can tell: the longest other image whose layers start this one's. */
async function baseOf(ctx: EngineContext, image: ImageRecord, named?: string): Promise<{ layers: number; source: string }> {
  if (named) {
    const { image: base } = await resolveImage(ctx.store, named, noSuchImage);
    const n = basePrefixLength(image.diffIds, base.diffIds);
    if (n === 0) throw notFound(`image ${named} is not a base of ${shortId(image.id)}: its layers are not the first layers of this image`);
    return { layers: n, source: `image:${named}` };
  }
  let best: ImageRecord | undefined;
  for (const other of await ctx.store.images()) {
    const n = basePrefixLength(image.diffIds, other.diffIds);
    if (n > (best?.diffIds.length ?? 0)) best = other;
  }
  if (!best) return { layers: Math.min(1, image.diffIds.length), source: 'first-layer' };
  const tags = namesOf((await ctx.store.tags()).refs, best.id).tags;
  return { layers: best.diffIds.length, source: `image:${tags[0] ?? shortId(best.id)}` };
}

async function tablesOf(ctx: EngineContext, image: ImageRecord) {
  const tables = layerTablesOf(ctx.ports, ctx.store);
  return Promise.all(image.diffIds.map((d: Digest) => tables.table(d)));
}

/** MetadataStore namespace of finished analyses (images and layers are immutable, so they stay true). */
export const IMAGE_ANALYSIS_NAMESPACE = 'image-analysis';
/** Bump when the analysis changes shape or meaning: older records are then ignored. */
const ANALYSIS_VERSION = 2;
/** Length of the "largest" lists when the caller names none. */
const DEFAULT_TOP = 20;

/**
 * Analyse an image of the store from its layer indexes (recorded at load, or built from the blobs
 * once and kept). The finished analysis is kept as bytes, keyed by everything it depends on: the
 * image, the base layers, the list length and the names the image has now; asking again reads
 * that record and decodes no layer index at all.
 */
export async function analysisDocument(ctx: EngineContext, name: string, options: ImageInsightOptions = {}): Promise<ImageAnalysisDocument> {
  const { image } = await resolveImage(ctx.store, name, noSuchImage);
  const [base, tags] = await Promise.all([
    options.base !== undefined || options.baseLayers === undefined ? baseOf(ctx, image, options.base) : undefined,
    ctx.store.tags(),
  ]);
  const top = options.top ?? DEFAULT_TOP;
  const tagNames = namesOf(tags.refs, image.id).tags;
  const key = [`v${ANALYSIS_VERSION}`, digestHex(image.id), top, base?.layers ?? options.baseLayers, base?.source ?? 'option', ...tagNames].join(' ');
  const cacheKey = `${digestHex(image.id)}-${sha256OfText(ctx.ports.hasher, key).slice(7, 23)}`;
  const metadata = ctx.ports.metadata;
  const kept = await metadata.getBytes?.(IMAGE_ANALYSIS_NAMESPACE, cacheKey).catch(() => undefined);
  const hit = kept && decodeKeptDocument(kept, key);
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
    baseLayers: base?.layers ?? options.baseLayers,
    baseSource: base?.source ?? 'option',
  });
  const doc = documentOf(report, top);
  await metadata.putBytes?.(IMAGE_ANALYSIS_NAMESPACE, cacheKey, encodeKeptDocument(key, doc));
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
