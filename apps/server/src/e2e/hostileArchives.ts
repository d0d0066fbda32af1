// Test support: `docker load` / `docker import` inputs that are each a sound image but for one hostile detail.
import { createHash } from 'node:crypto';
import { tarEntry, writeTar, type TarWriteEntry } from '@strata/core';

const enc = new TextEncoder();

/** `sha256:<hex>` of bytes. */
export const sha256Digest = (b: Uint8Array): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** The bytes of a tar made of `entries` (fresh headers, as Go's archive/tar writes them). */
export async function tarBytes(entries: TarWriteEntry[]): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  const reader = writeTar(entries, { mode: 'fresh' }).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks);
    chunks.push(value);
  }
}

/** A regular-file tar entry with its body. */
export function fileEntry(path: string, body: Uint8Array | string): TarWriteEntry {
  const bytes = typeof body === 'string' ? enc.encode(body) : body;
  return { ...tarEntry({ path, type: 'file', size: bytes.byteLength, mtime: 1_700_000_000 }), body: bytes };
}

/** `../` repeated far enough to climb to `/` from any working directory, then `absolute`: a writer that follows it lands there. */
export const climbTo = (absolute: string): string => '../'.repeat(32) + absolute.replace(/^\/+/, '');

/** A layer tar of `entries`, its diffID, and a config naming `diffIds` (default: that one layer) with the image ID it gets. */
export async function imageParts(entries: TarWriteEntry[], diffIds?: string[]) {
  const layer = await tarBytes(entries);
  const diffId = sha256Digest(layer);
  const config = enc.encode(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: {},
      rootfs: { type: 'layers', diff_ids: diffIds ?? [diffId] },
      history: [{ created_by: 'strata store-integrity test' }],
    }),
  );
  return { layer, diffId, config, imageId: sha256Digest(config) };
}

/** One image of a docker-archive: its config and layer bytes and the manifest.json record naming them. */
export interface ArchiveImage {
  tags: string[];
  config: Uint8Array;
  layers: Uint8Array[];
}

/** A docker-archive (`docker save` layout) of `images`; `extra` members come first, `manifest` replaces manifest.json. */
export function dockerArchive(images: ArchiveImage[], options: { extra?: TarWriteEntry[]; manifest?: string } = {}): Promise<Buffer> {
  const members: TarWriteEntry[] = [...(options.extra ?? [])];
  const records = images.map((image, i) => {
    const layerPaths = image.layers.map((layer, j) => {
      members.push(fileEntry(`image${i}-layer${j}/layer.tar`, layer));
      return `image${i}-layer${j}/layer.tar`;
    });
    members.push(fileEntry(`image${i}.json`, image.config));
    return { Config: `image${i}.json`, RepoTags: image.tags, Layers: layerPaths };
  });
  members.push(fileEntry('manifest.json', options.manifest ?? JSON.stringify(records)));
  return tarBytes(members);
}
