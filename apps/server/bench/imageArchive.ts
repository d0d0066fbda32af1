// Writes `docker save` archives in Docker's legacy layout (what dockerd 20.10 writes and every
// docker load reads): <v1id>/{VERSION,json,layer.tar}, <imageid>.json, manifest.json, repositories.
import { createHash } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { TarWriter } from './tarWriter.js';

/** An uncompressed layer tar and its diffID. */
export interface ArchiveLayer {
  tar: Uint8Array;
  diffId: string;
}

/** An image of the archive: its config bytes and the indexes of its layers, base first. */
export interface ArchiveImage {
  config: Uint8Array;
  repoTags: string[];
  layers: number[];
}

const MTIME = 1_700_000_000;

/** sha256 of bytes or a string, as `sha256:<hex>`. */
export function sha256(data: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** A layer from its tar bytes. */
export function archiveLayer(tar: Uint8Array): ArchiveLayer {
  return { tar, diffId: sha256(tar) };
}

/** The image ID: the digest of the config bytes. */
export function imageId(image: ArchiveImage): string {
  return sha256(image.config);
}

/** Writes the archive to `path`; returns its size in bytes. */
export function writeDockerArchive(path: string, layers: ArchiveLayer[], images: ArchiveImage[]): number {
  const fd = openSync(path, 'w');
  let bytes = 0;
  try {
    const tar = new TarWriter((chunk) => {
      writeSync(fd, chunk);
      bytes += chunk.length;
    });
    const written = new Set<string>();
    const manifest: { Config: string; RepoTags: string[]; Layers: string[] }[] = [];
    const repositories: Record<string, Record<string, string>> = {};
    for (const image of images) {
      const v1ids: string[] = [];
      let chainId = '';
      for (const index of image.layers) {
        const layer = layers[index]!;
        chainId = chainId ? sha256(`${chainId} ${layer.diffId}`) : layer.diffId;
        // Any stable 64-hex name works: docker load follows manifest.json, not the v1 IDs.
        const v1id = sha256(`strata-bench-v1 ${chainId}`).slice('sha256:'.length);
        if (!written.has(v1id)) {
          written.add(v1id);
          const parent = v1ids.at(-1);
          const legacy = { id: v1id, ...(parent ? { parent } : {}), created: '2024-01-01T00:00:00Z', container_config: {}, os: 'linux' };
          tar.directory(v1id, MTIME);
          tar.file(`${v1id}/VERSION`, new TextEncoder().encode('1.0'), MTIME);
          tar.file(`${v1id}/json`, new TextEncoder().encode(JSON.stringify(legacy)), MTIME);
          tar.file(`${v1id}/layer.tar`, layer.tar, MTIME);
        }
        v1ids.push(v1id);
      }
      const id = imageId(image).slice('sha256:'.length);
      tar.file(`${id}.json`, image.config, MTIME);
      manifest.push({ Config: `${id}.json`, RepoTags: image.repoTags, Layers: v1ids.map((v) => `${v}/layer.tar`) });
      for (const tag of image.repoTags) {
        const at = tag.lastIndexOf(':');
        (repositories[tag.slice(0, at)] ??= {})[tag.slice(at + 1)] = v1ids.at(-1)!;
      }
    }
    tar.file('manifest.json', new TextEncoder().encode(JSON.stringify(manifest)), MTIME);
    tar.file('repositories', new TextEncoder().encode(JSON.stringify(repositories)), MTIME);
    tar.end();
  } finally {
    closeSync(fd);
  }
  return bytes;
}
