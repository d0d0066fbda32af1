export * from './ports.js';
export * from './api.js';
export * from './registry-port.js';
export { type ImagePuller, type PullOptions, type PullResult, canPull, pullReference, progressBar, humanSize } from './pull.js';
export { createEngine, type Engine } from './engine.js';
export type { ImageRecord, LayerRecord, TagTable } from './records.js';
export { applyConfigChanges } from './config-changes.js';
export { rfc3339Nano } from './time.js';
