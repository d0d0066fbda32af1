// A second, narrow entry of the package (`@strata/core/kept-analysis`): what a process that only
// reads the analysis an engine kept needs. It builds nothing when it loads (no image document
// schemas, no engine), so a command that answers from the kept analysis starts in a few milliseconds.
export { StrataError, isStrataError } from './errors/index.js';
export { type ImageRecordIndex, ImageRecordReader } from './engine/image-records.js';
export { type ImageAnalysisDocument, type ImageInsightSummary, type KeptAnalysisHead, keptDocument } from './engine/insight-document.js';
export { type AnalysisKey, ANALYSIS_DOCUMENT_NAMESPACE, IMAGE_ANALYSIS_NAMESPACE, analysisKey, keptAnalysisHead } from './engine/kept-analysis.js';
export type { ImageInsightOptions } from './engine/insight-report.js';
