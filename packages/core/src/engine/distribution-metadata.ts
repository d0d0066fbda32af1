import { type Digest, digestHex } from '../digest/index.js';
import type { MetadataStore } from './ports.js';

/** Where a layer's compressed form is known to live: one blob in one repository of one registry. */
export interface RemoteBlob {
  /** Digest, size and media type of the compressed blob (what a manifest lists). */
  digest: Digest;
  size: number;
  mediaType: string;
  /** Registry host as references name it (`127.0.0.1:5000`, `docker.io`). */
  registry: string;
  /** Repository path inside that registry (`library/ubuntu`). */
  repository: string;
}

const NAMESPACE = 'distribution';
/** dockerd keeps at most this many entries per layer (metadata.V2MetadataService's limit). */
const MAX_ENTRIES = 50;

/**
 * The engine's distribution metadata, as dockerd's V2MetadataService: for each layer (diffID),
 * the compressed blobs it was pulled as or pushed as, and where. A push reuses them to skip
 * uploads (`Layer already exists`), to mount from a sibling repository, and to keep the digest
 * of a layer Strata stores uncompressed stable across pushes.
 */
export class DistributionMetadata {
  constructor(private readonly metadata: MetadataStore) {}

  /** Every remote blob recorded for a layer, most recent first. */
  async of(diffId: Digest): Promise<RemoteBlob[]> {
    return (await this.metadata.get<RemoteBlob[]>(NAMESPACE, digestHex(diffId))) ?? [];
  }

  /** Record that `blob` holds the layer `diffId` (moving it to the front when already known). */
  async add(diffId: Digest, blob: RemoteBlob): Promise<void> {
    const same = (b: RemoteBlob) => b.digest === blob.digest && b.registry === blob.registry && b.repository === blob.repository;
    const known = await this.of(diffId);
    if (known.length > 0 && same(known[0])) return;
    await this.metadata.put(NAMESPACE, digestHex(diffId), [blob, ...known.filter((b) => !same(b))].slice(0, MAX_ENTRIES));
  }
}
