import type { ImageConfig } from '../image/index.js';
import { type AnalysisOptions, type ImageAnalysis, type LayerSource, type LayerTable, analyzeLayers } from '../insight/index.js';

/** What `strata analyze` reports for one image: the analysis plus who the image is. */
export interface ImageInsightReport extends ImageAnalysis {
  image: {
    id: string;
    /** Tags (familiar form), or the short ID when it has none. */
    names: string[];
    created: string;
    os: string;
    architecture: string;
  };
}

/** Options of an image analysis (the engine resolves the base image unless one is given). */
export interface ImageInsightOptions extends Omit<AnalysisOptions, 'baseSource'> {
  /** Name or ID of the image this one was built FROM; its layers count as base. */
  base?: string;
}

/** The layers of an image as analysis input: tables in diffID order, commands from its history. */
export function layerSources(config: ImageConfig, tables: readonly LayerTable[], blobSizes: readonly (number | undefined)[] = []): LayerSource[] {
  const history = (config.history ?? []).filter((h) => !h.empty_layer);
  return config.rootfs.diff_ids.map((diffId, i) => {
    const h = history[i];
    const source: LayerSource = { diffId, table: tables[i], command: h?.created_by ?? '' };
    if (h?.created) source.created = h.created;
    if (blobSizes[i] !== undefined) source.blobSize = blobSizes[i];
    return source;
  });
}

/** Run the analysis and attach the image's identity. */
export function imageReport(
  image: { id: string; names: string[]; config: ImageConfig },
  sources: readonly LayerSource[],
  options: AnalysisOptions,
): ImageInsightReport {
  return {
    image: {
      id: image.id,
      names: image.names,
      created: image.config.created ?? '',
      os: image.config.os ?? '',
      architecture: image.config.architecture ?? '',
    },
    ...analyzeLayers(sources, options),
  };
}

export { basePrefixLength } from './kept-analysis.js';
