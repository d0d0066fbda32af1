import { type Hasher, digestHex, sha256OfText, shortId } from '../digest/index.js';
import { notFound } from '../errors/index.js';
import { namesOf } from './image-names.js';
import type { ImageRecordIndex } from './image-records.js';
import { type KeptAnalysisHead, decodeKeptHead } from './insight-document.js';
import type { ImageInsightOptions } from './insight-report.js';
import type { MetadataStore } from './ports.js';
import type { ImageRecord } from './records.js';
import { resolveImage } from './resolve.js';

/** MetadataStore namespace of the heads of finished analyses (images and layers are immutable, so they stay true). */
export const IMAGE_ANALYSIS_NAMESPACE = 'image-analysis';
/** MetadataStore namespace of their documents: the JSON of each whole report, under the same key as its head. */
export const ANALYSIS_DOCUMENT_NAMESPACE = 'image-analysis-document';
/** Bump when the analysis or the way it is kept changes shape or meaning: older records are then ignored. */
const ANALYSIS_VERSION = 3;
/** Length of the "largest" lists when the caller names none. */
const DEFAULT_TOP = 20;

const noSuchImage = (n: string) => `No such image: ${n}`;

/** Length of the longest proper prefix of `diffIds` that another image's whole layer list forms (0: none). */
export function basePrefixLength(diffIds: readonly string[], other: readonly string[]): number {
  if (other.length === 0 || other.length >= diffIds.length) return 0;
  return other.every((d, i) => diffIds[i] === d) ? other.length : 0;
}

/** The image this one was built on, as far as the store can tell: the longest other image whose layers start this one's. */
async function baseOf(index: ImageRecordIndex, image: ImageRecord, named?: string): Promise<{ layers: number; source: string }> {
  if (named) {
    const { image: base } = await resolveImage(index, named, noSuchImage);
    const n = basePrefixLength(image.diffIds, base.diffIds);
    if (n === 0) throw notFound(`image ${named} is not a base of ${shortId(image.id)}: its layers are not the first layers of this image`);
    return { layers: n, source: `image:${named}` };
  }
  let best: ImageRecord | undefined;
  for (const other of await index.images()) {
    const n = basePrefixLength(image.diffIds, other.diffIds);
    if (n > (best?.diffIds.length ?? 0)) best = other;
  }
  if (!best) return { layers: Math.min(1, image.diffIds.length), source: 'first-layer' };
  const tags = namesOf((await index.tags()).refs, best.id).tags;
  return { layers: best.diffIds.length, source: `image:${tags[0] ?? shortId(best.id)}` };
}

/** Everything an analysis of a stored image depends on, and the key its record is kept under. */
export interface AnalysisKey {
  image: ImageRecord;
  /** The image's tags now, in familiar form. */
  tagNames: string[];
  top: number;
  baseLayers: number | undefined;
  baseSource: string;
  /** The text the kept head carries and is checked against. */
  key: string;
  /** The record key of head and document. */
  cacheKey: string;
}

/**
 * Resolve `name` as Docker does (throws `No such image: X`) and key its analysis by everything
 * the analysis depends on: the image, the base layers, the list length and the names it has now.
 */
export async function analysisKey(index: ImageRecordIndex, hasher: Hasher, name: string, options: ImageInsightOptions = {}): Promise<AnalysisKey> {
  const { image } = await resolveImage(index, name, noSuchImage);
  const [base, tags] = await Promise.all([
    options.base !== undefined || options.baseLayers === undefined ? baseOf(index, image, options.base) : undefined,
    index.tags(),
  ]);
  const top = options.top ?? DEFAULT_TOP;
  const tagNames = namesOf(tags.refs, image.id).tags;
  const baseLayers = base?.layers ?? options.baseLayers;
  const baseSource = base?.source ?? 'option';
  const key = [`v${ANALYSIS_VERSION}`, digestHex(image.id), top, baseLayers, baseSource, ...tagNames].join(' ');
  const cacheKey = `${digestHex(image.id)}-${sha256OfText(hasher, key).slice(7, 23)}`;
  return { image, tagNames, top, baseLayers, baseSource, key, cacheKey };
}

/** The head kept for a key, when there is one (unreadable or foreign records count as none). */
export async function keptAnalysisHead(metadata: Pick<MetadataStore, 'getBytes'>, key: AnalysisKey): Promise<KeptAnalysisHead | undefined> {
  const bytes = await metadata.getBytes?.(IMAGE_ANALYSIS_NAMESPACE, key.cacheKey).catch(() => undefined);
  return bytes && decodeKeptHead(bytes, key.key);
}
