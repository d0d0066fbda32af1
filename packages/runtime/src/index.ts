export { SnapshotStore, type SnapshotStoreOptions, type SnapshotLayer } from './snapshot/snapshot-store.js';
export { overlayFormTar } from './snapshot/overlay-tar.js';
