import type { Digest } from '../digest/index.js';
import { type ConfigBlob, MediaType } from '../image/index.js';
import type { EngineContext } from './engine.js';
import { layerTablesOf } from './insight-tables.js';
import type { IngestedLayer } from './layer-ingest.js';
import type { ImageRecord } from './records.js';

/** The OCI manifest Strata writes for an image whose source had none (docker save archives, imports). */
export function ociManifestFor(config: ConfigBlob, layers: IngestedLayer[]): Uint8Array {
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: MediaType.ociConfig, digest: config.id, size: config.bytes.byteLength },
    layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.blob, size: l.blobSize })),
  };
  return new TextEncoder().encode(JSON.stringify(manifest));
}

/**
 * Commit an image whose layers are already in the content store: config blob (byte-exact),
 * layer records, manifest blob, image record. Re-adding an existing image keeps its record.
 */
export async function writeImage(
  ctx: EngineContext,
  image: { config: ConfigBlob; layers: IngestedLayer[]; manifestBytes?: Uint8Array; parent?: string },
): Promise<Digest> {
  const { content } = ctx.ports;
  const { config, layers } = image;
  // The config and each layer's records are written side by side, so their fsyncs overlap; a layer listed twice is written once.
  const unique = [...new Map(layers.map((l) => [l.diffId, l])).values()];
  await Promise.all([
    content.write(config.bytes, { digest: config.id, size: config.bytes.byteLength }),
    ...unique.map(async (l) => {
      const existing = await ctx.store.layer(l.diffId);
      if (!existing) {
        await Promise.all([
          ctx.store.putLayer({ diffId: l.diffId, blob: l.blob, mediaType: l.mediaType, blobSize: l.blobSize, tarSize: l.tarSize, size: l.size, entries: l.entries }),
          l.table ? layerTablesOf(ctx.ports, ctx.store).record(l.diffId, l.table) : undefined,
        ]);
      } else if (existing.blob !== l.blob) {
        // The same layer already stored from another blob (e.g. gzip vs plain): keep one copy.
        const used = (await ctx.store.layers()).some((o) => o.blob === l.blob) || (await ctx.store.images()).some((i) => i.id === l.blob);
        if (!used) await content.delete(l.blob);
      }
    }),
  ]);
  const stored = await Promise.all(layers.map(async (l) => ({ ...l, ...(await ctx.store.layer(l.diffId))! })));
  const manifestBytes = image.manifestBytes && stored.every((l, i) => l.blob === layers[i].blob) ? image.manifestBytes : ociManifestFor(config, stored);
  const manifest = await content.write(manifestBytes);
  const existing = await ctx.store.image(config.id);
  if (existing && existing.manifest === manifest.digest) return config.id;
  const now = ctx.now();
  const record: ImageRecord = {
    id: config.id,
    configSize: config.bytes.byteLength,
    diffIds: [...config.config.rootfs.diff_ids],
    manifest: manifest.digest,
    manifestSize: manifest.size,
    created: config.config.created ?? '',
    addedAt: existing?.addedAt ?? now,
    lastTagTime: existing?.lastTagTime ?? '',
    parent: image.parent ?? existing?.parent ?? '',
  };
  await ctx.store.putImage(record);
  return config.id;
}
