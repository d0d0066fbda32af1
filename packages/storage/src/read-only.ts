// A second, narrow entry of the package (`@strata/storage/read-only`): what a process that only
// reads a data root needs (where it is, who owns it, its records), without the content store,
// the codecs or the worker threads the main entry brings, so such a process starts fast.
export { defaultDataRoot } from './data-root-location.js';
export { DataRootLock, type DataRootOwner } from './lock/data-root-lock.js';
export { FsMetadataStore } from './metadata/fs-metadata-store.js';
export { nodeHasher } from './node/node-hasher.js';
