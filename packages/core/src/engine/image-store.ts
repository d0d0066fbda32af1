import { type Digest, digestHex } from '../digest/index.js';
import { MediaType } from '../image/index.js';
import type { ContentStore, Descriptor, MetadataStore, OciIndex } from './ports.js';
import type { ImageRecord, LayerRecord, TagTable } from './records.js';

const IMAGES = 'images';
const LAYERS = 'layers';
const TAGS = 'tags';
const TAG_TABLE = 'repositories';

/**
 * Records of images, layers and tags over the MetadataStore, and the OCI layout index that makes
 * the content store readable by skopeo and friends. Blobs stay the source of truth.
 */
export class ImageStore {
  constructor(
    readonly content: ContentStore,
    private readonly metadata: MetadataStore,
  ) {}

  image(id: Digest): Promise<ImageRecord | undefined> {
    return this.metadata.get<ImageRecord>(IMAGES, digestHex(id));
  }

  async images(): Promise<ImageRecord[]> {
    return (await this.metadata.list<ImageRecord>(IMAGES)).map(([, v]) => v);
  }

  putImage(r: ImageRecord): Promise<void> {
    return this.metadata.put(IMAGES, digestHex(r.id), r);
  }

  deleteImage(id: Digest): Promise<void> {
    return this.metadata.delete(IMAGES, digestHex(id));
  }

  layer(diffId: Digest): Promise<LayerRecord | undefined> {
    return this.metadata.get<LayerRecord>(LAYERS, digestHex(diffId));
  }

  async layers(): Promise<LayerRecord[]> {
    return (await this.metadata.list<LayerRecord>(LAYERS)).map(([, v]) => v);
  }

  putLayer(r: LayerRecord): Promise<void> {
    return this.metadata.put(LAYERS, digestHex(r.diffId), r);
  }

  deleteLayer(diffId: Digest): Promise<void> {
    return this.metadata.delete(LAYERS, digestHex(diffId));
  }

  async tags(): Promise<TagTable> {
    return (await this.metadata.get<TagTable>(TAGS, TAG_TABLE)) ?? { refs: {} };
  }

  putTags(t: TagTable): Promise<void> {
    return this.metadata.put(TAGS, TAG_TABLE, t);
  }

  /** Rewrite index.json: one descriptor per (image, name), untagged images listed without a name. */
  async writeLayoutIndex(): Promise<void> {
    const [images, tags] = await Promise.all([this.images(), this.tags()]);
    const byId = new Map(images.map((i) => [i.id, i]));
    const manifests: Descriptor[] = [];
    const named = new Set<string>();
    for (const [ref, id] of Object.entries(tags.refs).sort(([a], [b]) => a.localeCompare(b))) {
      const img = byId.get(id);
      if (!img || ref.includes('@')) continue;
      named.add(id);
      manifests.push({
        mediaType: MediaType.ociManifest,
        digest: img.manifest,
        size: img.manifestSize,
        annotations: { 'io.containerd.image.name': ref, 'org.opencontainers.image.ref.name': ref },
      });
    }
    for (const img of images) {
      if (!named.has(img.id)) manifests.push({ mediaType: MediaType.ociManifest, digest: img.manifest, size: img.manifestSize });
    }
    const index: OciIndex = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests };
    await this.content.writeIndex(index);
  }
}
