/**
 * Port: where volume data lives (`<data-root>/volumes/<name>/_data`, as dockerd keeps it).
 * Records of volumes live in the MetadataStore; this port only makes and removes directories.
 */
export interface VolumeStore {
  /** Make the volume's data directory (idempotent); returns its host path, the `Mountpoint`. */
  create(name: string): Promise<string>;
  /** Delete the volume's directory and everything in it (idempotent). */
  remove(name: string): Promise<void>;
  /** Bytes the volume holds (`system df -v`), when the store can tell. */
  size?(name: string): Promise<number>;
}
