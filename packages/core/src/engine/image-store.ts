import { type Digest, digestHex } from '../digest/index.js';
import { type ImageConfig, MediaType, imageConfigSchema, parseJsonDocument } from '../image/index.js';
import { IMAGE_RECORDS } from './image-records.js';
import type { ContentStore, Descriptor, MetadataStore, OciIndex } from './ports.js';
import type { ImageRecord, LayerRecord, TagTable } from './records.js';

const { images: IMAGES, layers: LAYERS, tags: TAGS, tagTable: TAG_TABLE } = IMAGE_RECORDS;

/**
 * Records of images, layers and tags over the MetadataStore, and the OCI layout index that makes
 * the content store readable by skopeo and friends. Blobs stay the source of truth.
 */
export class ImageStore {
  // The engine owns its data root (a lock), so records are read once and kept: lists are
  // served from memory and every write goes through here (write-through).
  private imageCache: Promise<Map<Digest, ImageRecord>> | undefined;
  private layerCache: Promise<Map<Digest, LayerRecord>> | undefined;
  private tagCache: Promise<TagTable> | undefined;
  private readonly configCache = new Map<Digest, ImageConfig>();

  constructor(
    readonly content: ContentStore,
    private readonly metadata: MetadataStore,
  ) {}

  private imageMap(): Promise<Map<Digest, ImageRecord>> {
    this.imageCache ??= this.metadata.list<ImageRecord>(IMAGES).then((rows) => new Map(rows.map(([, v]) => [v.id, v])));
    return this.imageCache;
  }

  private layerMap(): Promise<Map<Digest, LayerRecord>> {
    this.layerCache ??= this.metadata.list<LayerRecord>(LAYERS).then((rows) => new Map(rows.map(([, v]) => [v.diffId, v])));
    return this.layerCache;
  }

  async image(id: Digest): Promise<ImageRecord | undefined> {
    return (await this.imageMap()).get(id);
  }

  async images(): Promise<ImageRecord[]> {
    return [...(await this.imageMap()).values()];
  }

  async putImage(r: ImageRecord): Promise<void> {
    const map = await this.imageMap();
    await this.metadata.put(IMAGES, digestHex(r.id), r);
    map.set(r.id, r);
  }

  async deleteImage(id: Digest): Promise<void> {
    const map = await this.imageMap();
    await this.metadata.delete(IMAGES, digestHex(id));
    map.delete(id);
    this.configCache.delete(id);
  }

  async layer(diffId: Digest): Promise<LayerRecord | undefined> {
    return (await this.layerMap()).get(diffId);
  }

  async layers(): Promise<LayerRecord[]> {
    return [...(await this.layerMap()).values()];
  }

  async putLayer(r: LayerRecord): Promise<void> {
    const map = await this.layerMap();
    await this.metadata.put(LAYERS, digestHex(r.diffId), r);
    map.set(r.diffId, r);
  }

  async deleteLayer(diffId: Digest): Promise<void> {
    const map = await this.layerMap();
    await this.metadata.delete(LAYERS, digestHex(diffId));
    map.delete(diffId);
  }

  /** A copy of the tag table (callers edit it and hand it back with putTags). */
  async tags(): Promise<TagTable> {
    this.tagCache ??= this.metadata.get<TagTable>(TAGS, TAG_TABLE).then((t) => t ?? { refs: {} });
    const t = await this.tagCache;
    return { refs: { ...t.refs } };
  }

  async putTags(t: TagTable): Promise<void> {
    const copy = { refs: { ...t.refs } };
    await this.metadata.put(TAGS, TAG_TABLE, copy);
    this.tagCache = Promise.resolve(copy);
  }

  /** An image's config, parsed once (configs are immutable: their digest is the image ID). */
  async config(id: Digest): Promise<ImageConfig> {
    const hit = this.configCache.get(id);
    if (hit) return hit;
    const config = parseJsonDocument(imageConfigSchema, await this.content.readBytes(id), 'image config');
    this.configCache.set(id, config);
    return config;
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
