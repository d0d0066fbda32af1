import type { ImageSummary } from '@strata/core';
import { createdSince, humanSize, shortId } from '../format/index.js';

/** One line of the Images panel: an image under one of its tags, as `docker images` lists it. */
export interface ImageRow {
  /** Stable across refreshes: repository, tag and image ID. */
  key: string;
  /** Full image ID (`sha256:...`), what inspect and history are asked for. */
  imageId: string;
  repository: string;
  tag: string;
  /** Seconds since the epoch. */
  created: number;
  size: number;
}

const none = '<none>';

/** Splits `repo:tag` at the tag's colon (not a registry port's); `<none>:<none>` stays `<none>`. */
export function splitRepoTag(repoTag: string): { repository: string; tag: string } {
  const colon = repoTag.lastIndexOf(':');
  if (colon < 0 || colon < repoTag.lastIndexOf('/')) return { repository: repoTag, tag: none };
  return { repository: repoTag.slice(0, colon), tag: repoTag.slice(colon + 1) };
}

/** What a row is made of: the fields of a `docker images` entry the Images panel shows (and those that tell intermediate images). */
export type ImageListing = Pick<ImageSummary, 'Id' | 'RepoTags' | 'Created' | 'Size'> & Partial<Pick<ImageSummary, 'ParentId' | 'RepoDigests'>>;

const named = (names: string[] | null | undefined, none: string): string[] => (names ?? []).filter((n) => n !== none);

/**
 * One row per tag, in the engine's order; untagged images get one `<none>` row. Like `docker images`,
 * intermediate images (no tag, no digest, and the parent of another image: the steps a build left
 * behind) are left out unless `all` (`docker images -a`).
 */
export function imageRows(images: ImageListing[], options: { all?: boolean } = {}): ImageRow[] {
  const parents = new Set(images.map((i) => i.ParentId).filter((p) => p));
  const rows: ImageRow[] = [];
  for (const image of images) {
    const tags = named(image.RepoTags, '<none>:<none>');
    if (!options.all && tags.length === 0 && named(image.RepoDigests, '<none>@<none>').length === 0 && parents.has(image.Id)) continue;
    const names = tags.length > 0 ? tags.map(splitRepoTag) : [{ repository: none, tag: none }];
    for (const { repository, tag } of names) {
      rows.push({
        key: `${repository}:${tag}@${image.Id}`,
        imageId: image.Id,
        repository,
        tag,
        created: image.Created,
        size: image.Size,
      });
    }
  }
  return rows;
}

/** Column titles of the Images panel, as `docker images` prints them. */
export const imageColumns = ['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'];

/** The cells `docker images` prints for a row at time `now` (milliseconds). */
export function imageCells(row: ImageRow, now: number): string[] {
  return [row.repository, row.tag, shortId(row.imageId), createdSince(row.created, now), humanSize(row.size)];
}
