export { type LayerTable, type EntryKind, LayerTableBuilder, LAYER_TABLE_VERSION, tableOfLayer, isLayerTable, checkLayerTable } from './layer-table.js';
export { encodeLayerTable, decodeLayerTable } from './layer-table-codec.js';
export { LayerStack, entryFacts, differences, type FileFacts, type FileChange, type ChangeKind, type LayerChanges } from './layer-stack.js';
export { diveFigures, type DiveFigures, type DiveInefficiency } from './dive-efficiency.js';
export {
  analyzeLayers,
  dockerLayerSize,
  type LayerSource,
  type AnalysisOptions,
  type ImageAnalysis,
  type LayerInsight,
  type HonestFigures,
  type WastedPath,
  type FlaggedPath,
  type SizedPath,
} from './image-analysis.js';
export { viewAt, diffViews, type ViewDifference } from './image-diff.js';
export { flagOf, looksSecret, cacheRootOf, type PathFlag } from './path-flags.js';
