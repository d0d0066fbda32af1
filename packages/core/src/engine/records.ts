import type { Digest } from '../digest/index.js';

/** A layer as the store keeps it: one per diffID, shared by every image that lists it. */
export interface LayerRecord {
  diffId: Digest;
  /** The blob holding the layer's bytes (equal to diffId when stored uncompressed). */
  blob: Digest;
  /** Media type of the blob as stored (tar, tar+gzip, ...). */
  mediaType: string;
  /** Bytes of the stored blob. */
  blobSize: number;
  /** Bytes of the uncompressed tar. */
  tarSize: number;
  /** Docker's layer size: bytes of regular files plus symlink target lengths (a hard-link group counted once). */
  size: number;
  /** Number of tar entries. */
  entries: number;
}

/** An image: its config blob (ID), its layers by diffID and the manifest we wrote for the OCI layout. */
export interface ImageRecord {
  id: Digest;
  configSize: number;
  diffIds: Digest[];
  /** Digest of the OCI manifest written into the content store for this image. */
  manifest: Digest;
  manifestSize: number;
  /** `created` of the config (RFC 3339), or '' when absent. */
  created: string;
  /** When the image arrived in this store (RFC 3339 with nanoseconds). */
  addedAt: string;
  lastTagTime: string;
  /** Parent image ID when known locally (commit/build); '' after load, as Docker. */
  parent: string;
}

/** All tags and digests that name images: full normalised reference -> image ID (Docker's repositories.json). */
export interface TagTable {
  refs: Record<string, Digest>;
}
