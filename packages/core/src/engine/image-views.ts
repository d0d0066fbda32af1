import { type Digest } from '../digest/index.js';
import { type ImageConfig, dockerContainerConfig, historyWithLayers } from '../image/index.js';
import type { HistoryEntry, ImageInspect, ImageSummary } from './api.js';
import type { ImageStore } from './image-store.js';
import type { ImageRecord, LayerRecord } from './records.js';
import { namesOf } from './image-names.js';

/** Read and parse an image's config (already validated when it entered the store). */
export const readConfig = (store: ImageStore, id: Digest): Promise<ImageConfig> => store.config(id);

// Kept apart so that resolving names needs none of the image document code.
export { type Names, namesOf } from './image-names.js';

/** Docker's image size: the sum of its layers' sizes. */
export function imageSize(img: ImageRecord, layers: Map<Digest, LayerRecord>): number {
  return img.diffIds.reduce((n, d) => n + (layers.get(d)?.size ?? 0), 0);
}

/** Unix seconds of an RFC 3339 time ('' -> 0). */
export const unixSeconds = (rfc3339: string): number => (rfc3339 ? Math.floor(Date.parse(rfc3339) / 1000) : 0);

/** `GET /images/json` entry for an image. */
export function imageSummary(img: ImageRecord, config: ImageConfig, refs: Record<string, Digest>, layers: Map<Digest, LayerRecord>): ImageSummary {
  const { tags, digests } = namesOf(refs, img.id);
  const size = imageSize(img, layers);
  const labels = (config.config?.Labels ?? null) as Record<string, string> | null;
  return {
    Containers: -1,
    Created: unixSeconds(img.created),
    Id: img.id,
    Labels: labels,
    ParentId: img.parent,
    RepoDigests: tags.length === 0 && digests.length === 0 ? ['<none>@<none>'] : digests,
    RepoTags: tags.length === 0 && digests.length === 0 ? ['<none>:<none>'] : tags,
    SharedSize: -1,
    Size: size,
    VirtualSize: size,
  };
}

/** `GET /images/{name}/json` for an image. */
export function imageInspect(img: ImageRecord, config: ImageConfig, refs: Record<string, Digest>, layers: Map<Digest, LayerRecord>): ImageInspect {
  const { tags, digests } = namesOf(refs, img.id);
  const size = imageSize(img, layers);
  const c = config as Record<string, unknown>;
  return {
    Id: img.id,
    RepoTags: tags,
    RepoDigests: digests,
    Parent: img.parent,
    Comment: config.comment ?? '',
    Created: config.created ?? '0001-01-01T00:00:00Z',
    Container: config.container ?? '',
    ContainerConfig: dockerContainerConfig(c.container_config as Record<string, unknown> | undefined),
    DockerVersion: config.docker_version ?? '',
    Author: config.author ?? '',
    Config: dockerContainerConfig(config.config as Record<string, unknown> | undefined),
    Architecture: config.architecture,
    ...(config.variant ? { Variant: config.variant } : {}),
    Os: config.os,
    Size: size,
    VirtualSize: size,
    GraphDriver: { Data: null, Name: 'strata' },
    RootFS: { Type: 'layers', Layers: [...config.rootfs.diff_ids] },
    Metadata: { LastTagTime: img.lastTagTime || '0001-01-01T00:00:00Z' },
  };
}

/** `GET /images/{name}/history`: newest first, `<missing>` for steps without a local image. */
export function imageHistory(img: ImageRecord, config: ImageConfig, tags: string[], layers: Map<Digest, LayerRecord>): HistoryEntry[] {
  const steps = historyWithLayers(config);
  const out: HistoryEntry[] = steps.map(({ history, diffId }) => ({
    Comment: history.comment ?? '',
    Created: unixSeconds(history.created ?? ''),
    CreatedBy: history.created_by ?? '',
    Id: '<missing>',
    Size: diffId ? (layers.get(diffId)?.size ?? 0) : 0,
    Tags: null,
  }));
  out.reverse();
  if (out.length > 0) {
    out[0].Id = img.id;
    out[0].Tags = tags.length ? tags : null;
  }
  return out;
}
