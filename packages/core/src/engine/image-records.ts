import type { Digest } from '../digest/index.js';
import type { MetadataStore } from './ports.js';
import type { ImageRecord, TagTable } from './records.js';

/** MetadataStore namespaces (and the tag table's key) of the image side of the store. */
export const IMAGE_RECORDS = { images: 'images', layers: 'layers', tags: 'tags', tagTable: 'repositories' } as const;

/** What resolving an image name reads: records by ID, all records, the tag table. */
export interface ImageRecordIndex {
  image(id: Digest): Promise<ImageRecord | undefined>;
  images(): Promise<ImageRecord[]>;
  tags(): Promise<TagTable>;
}

/**
 * The image records and tags of a store, each read once, for a process that only reads it
 * (`ImageStore` is the owner's read-write side; this one needs none of the image document code).
 */
export class ImageRecordReader implements ImageRecordIndex {
  private imageMap: Promise<Map<Digest, ImageRecord>> | undefined;
  private tagTable: Promise<TagTable> | undefined;

  constructor(private readonly metadata: Pick<MetadataStore, 'get' | 'list'>) {}

  private all(): Promise<Map<Digest, ImageRecord>> {
    this.imageMap ??= this.metadata.list<ImageRecord>(IMAGE_RECORDS.images).then((rows) => new Map(rows.map(([, v]) => [v.id, v])));
    return this.imageMap;
  }

  async image(id: Digest): Promise<ImageRecord | undefined> {
    return (await this.all()).get(id);
  }

  async images(): Promise<ImageRecord[]> {
    return [...(await this.all()).values()];
  }

  async tags(): Promise<TagTable> {
    this.tagTable ??= this.metadata.get<TagTable>(IMAGE_RECORDS.tags, IMAGE_RECORDS.tagTable).then((t) => t ?? { refs: {} });
    return { refs: { ...(await this.tagTable).refs } };
  }
}
