import { type Digest, shortId } from '../digest/index.js';
import { unavailable } from '../errors/index.js';
import { MediaType } from '../image/index.js';
import type { Reference } from '../reference/index.js';
import type { ProgressMessage } from './api.js';
import { DistributionMetadata, type RemoteBlob } from './distribution-metadata.js';
import type { EngineContext } from './engine.js';
import type { Descriptor } from './ports.js';
import { progressBar } from './pull.js';
import type { LayerRecord } from './records.js';
import type { RegistryAuth } from './registry-port.js';

/** Blobs of other repositories a push tries to mount before uploading (dockerd's maxMountAttempts). */
const MAX_MOUNT_ATTEMPTS = 3;
/** Known digests a push asks the target repository about before uploading (dockerd's existence checks). */
const MAX_EXISTENCE_CHECKS = 3;

const UNCOMPRESSED = new Set<string>([MediaType.ociLayer, MediaType.dockerLayer]);

/** True when a stored layer blob is compressed, so it can go to a registry as it is. */
export const isCompressedLayer = (l: LayerRecord): boolean => !UNCOMPRESSED.has(l.mediaType);

export interface LayerPushOptions {
  auth?: RegistryAuth;
  signal?: AbortSignal;
  say: (m: ProgressMessage) => void;
}

const sameBlob = (a: { digest: Digest }, b: { digest: Digest }) => a.digest === b.digest;

/**
 * Push one layer as dockerd's pushDescriptor does: `Layer already exists` when the target
 * repository holds a blob known to carry it, `Mounted from R` when a sibling repository of the
 * same registry does, else `Pushing` + `Pushed`: a compressed stored blob as it is, an
 * uncompressed one gzip-compressed as it streams (hashed on the way). Every outcome is recorded
 * in the distribution metadata. Returns the blob's descriptor, for the manifest.
 */
export async function pushLayer(ctx: EngineContext, ref: Reference, layer: LayerRecord, options: LayerPushOptions): Promise<Descriptor> {
  const registry = ctx.ports.registry;
  if (!registry) throw unavailable('pushing images needs a registry client, and this engine has none');
  const metadata = new DistributionMetadata(ctx.ports.metadata);
  const id = shortId(layer.diffId);
  const { say } = options;
  const call = { auth: options.auth, signal: options.signal };
  const here = (await metadata.of(layer.diffId)).filter((b) => b.registry === ref.domain);
  const remember = (d: Descriptor) => metadata.add(layer.diffId, { digest: d.digest, size: d.size, mediaType: d.mediaType, registry: ref.domain, repository: ref.path });

  const local: Descriptor | undefined = isCompressedLayer(layer) ? { mediaType: layer.mediaType, digest: layer.blob, size: layer.blobSize } : undefined;
  const checks: Descriptor[] = [];
  for (const d of [...(local ? [local] : []), ...here.filter((b) => b.repository === ref.path)]) if (!checks.some((c) => sameBlob(c, d))) checks.push(d);
  for (const d of checks.slice(0, MAX_EXISTENCE_CHECKS)) {
    if (await registry.hasBlob(ref, d.digest, call)) {
      say({ status: 'Layer already exists', progressDetail: {}, id });
      await remember(d);
      return d;
    }
  }

  const mounts: RemoteBlob[] = [];
  for (const b of here) if (b.repository !== ref.path && !mounts.some((m) => m.repository === b.repository && sameBlob(m, b))) mounts.push(b);
  for (const b of mounts.slice(0, MAX_MOUNT_ATTEMPTS)) {
    if (await registry.mountBlob(ref, b.digest, b.repository, call)) {
      say({ status: `Mounted from ${b.repository}`, progressDetail: {}, id });
      const d = { mediaType: b.mediaType, digest: b.digest, size: b.size };
      await remember(d);
      return d;
    }
  }

  // dockerd counts the layer's bytes as it reads them against the layer's size (so `current` may pass `total`).
  const total = local ? local.size : layer.size;
  const step = Math.max(1, Math.floor(total / 100));
  let shown = 0;
  const progress = (n: number) => {
    if (n - shown < step) return;
    shown = n;
    say({ status: 'Pushing', progressDetail: { current: n, total }, progress: progressBar(n, total), id });
  };
  let pushed: Descriptor;
  if (local) {
    await registry.pushBlob(ref, local, await ctx.ports.content.read(local.digest), { ...call, onBytes: progress });
    pushed = local;
  } else {
    const compress = ctx.ports.codecs.compress?.('gzip');
    if (!compress) throw unavailable('pushing an uncompressed layer needs a gzip compressor, and this engine has none');
    let read = 0;
    let size = 0;
    const hash = ctx.ports.hasher.create('sha256');
    const compressed = (await ctx.ports.content.read(layer.blob))
      .pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, c) {
            read += chunk.byteLength;
            progress(read);
            c.enqueue(chunk);
          },
        }),
      )
      .pipeThrough(compress)
      .pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, c) {
            hash.update(chunk);
            size += chunk.byteLength;
            c.enqueue(chunk);
          },
        }),
      );
    let digest: Digest | undefined;
    await registry.uploadBlob(ref, compressed, () => (digest = `sha256:${hash.hex()}`), call);
    pushed = { mediaType: MediaType.dockerLayerGzip, digest: digest!, size };
  }
  say({ status: 'Pushed', progressDetail: {}, id });
  await remember(pushed);
  return pushed;
}
