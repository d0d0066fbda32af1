import { type Digest, shortId } from '../digest/index.js';
import { invalid, unavailable } from '../errors/index.js';
import { type ConfigBlob, JSON_LIMITS, parseImageConfig } from '../image/index.js';
import { type Reference, familiarString, parseNormalizedNamed, referenceName, referenceString, withDigest, withTag } from '../reference/index.js';
import type { ProgressMessage } from './api.js';
import type { EngineContext } from './engine.js';
import { type IngestedLayer, ingestLayer } from './layer-ingest.js';
import { writeImage } from './image-writer.js';
import { DistributionMetadata } from './distribution-metadata.js';
import type { Descriptor } from './ports.js';
import type { RegistryAuth } from './registry-port.js';

export interface PullOptions {
  /** `os/arch[/variant]`; the host's platform when absent. */
  platform?: string;
  auth?: RegistryAuth;
  /** Docker's progress messages, as `POST /images/create` streams them. */
  onProgress?: (m: ProgressMessage) => void;
  signal?: AbortSignal;
}

export interface PullResult {
  /** The image ID (config digest). */
  id: Digest;
  /** The digest the registry knows the reference by (recorded as a RepoDigest). */
  digest: Digest;
  /** The reference pulled, in familiar form (`127.0.0.1:5000/busybox:local`). */
  name: string;
  /** True when the reference already named this image before the pull. */
  upToDate: boolean;
}

/** The pull side of the engine. */
export interface ImagePuller {
  /** `docker pull NAME`: fetch an image from its registry, verify it, store it and tag it. */
  pullImage(name: string, options?: PullOptions): Promise<PullResult>;
}

/** True for an engine that can pull (one built with a registry client). */
export const canPull = (engine: object): engine is ImagePuller => typeof (engine as Partial<ImagePuller>).pullImage === 'function';

/** What the pull needs from the engine that owns the store. */
export interface PullHooks {
  /** Runs a mutation of the records in the engine's serial queue. */
  serial<T>(task: () => Promise<T>): Promise<T>;
  /** Points tags (or digest references) at an image in one write, with the engine's tag events. */
  setTag(refs: Reference | Reference[], id: Digest): Promise<void>;
}

/** Layers downloaded at once, as dockerd's default max-concurrent-downloads. */
const PARALLEL_DOWNLOADS = 3;

const SIZE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];

/** go-units HumanSize: 4 significant digits, decimal units (`36.45kB`, `1.065MB`). */
export function humanSize(bytes: number): string {
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < SIZE_UNITS.length - 1) {
    v /= 1000;
    i++;
  }
  return `${Number(v.toPrecision(4))}${SIZE_UNITS[i]}`;
}

/** The bar dockerd pre-renders into `progress` (jsonmessage.JSONProgress.String at full width). */
export function progressBar(current: number, total: number): string {
  const filled = Math.min(50, Math.floor(Math.floor((current / total) * 100) / 2));
  const numbers = current > total ? humanSize(current).padStart(8) : `${humanSize(current).padStart(8)}/${humanSize(total)}`;
  return `[${'='.repeat(filled)}>${' '.repeat(50 - filled)}] ${numbers}`;
}

/** The reference a pull names: tag `latest` when it names neither tag nor digest. */
export function pullReference(name: string): Reference {
  const ref = parseNormalizedNamed(name);
  if (ref.digest) return ref.tag ? withDigest(parseNormalizedNamed(referenceName(ref)), ref.digest) : ref;
  return ref.tag ? ref : withTag(ref, 'latest');
}

/** Runs `task` over `items` with at most `limit` in flight; results in item order. */
export function limited<T, R>(items: T[], limit: number, task: (item: T, index: number) => Promise<R>): Array<Promise<R>> {
  let running = 0;
  const waiting: Array<() => void> = [];
  const slot = async () => {
    if (running >= limit) await new Promise<void>((r) => waiting.push(r));
    running++;
  };
  const release = () => {
    running--;
    waiting.shift()?.();
  };
  return items.map(async (item, i) => {
    await slot();
    try {
      return await task(item, i);
    } finally {
      release();
    }
  });
}

async function readSmallBlob(stream: ReadableStream<Uint8Array>, size: number): Promise<Uint8Array> {
  const out = new Uint8Array(size);
  let o = 0;
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
    if (o + chunk.byteLength > size) throw invalid('image config larger than its descriptor says');
    out.set(chunk, o);
    o += chunk.byteLength;
  }
  return out;
}

/**
 * Pull an image as dockerd does: resolve the reference (an index picks the platform), fetch and
 * verify the config, download the missing layers in parallel straight into the content store
 * (each verified by digest, size and diffID), then commit the image, its tag and its RepoDigest
 * in one step. A failure leaves nothing behind: blobs this pull added are removed again.
 */
export async function pullImage(ctx: EngineContext, name: string, options: PullOptions, hooks: PullHooks): Promise<PullResult> {
  const registry = ctx.ports.registry;
  if (!registry) throw unavailable('pulling images needs a registry client, and this engine has none');
  const ref = pullReference(name);
  const say = (m: ProgressMessage) => options.onProgress?.(m);
  const resolved = await registry.resolve(ref, { platform: options.platform, auth: options.auth, signal: options.signal });
  say({ status: `Pulling from ${ref.path}`, id: ref.digest ?? ref.tag });

  const { manifest } = resolved;
  if (manifest.config.size > JSON_LIMITS.maxBytes) throw invalid(`image config too large: ${manifest.config.size} bytes`);
  const configBytes = await readSmallBlob(await registry.fetchBlob(ref, manifest.config, { auth: options.auth, signal: options.signal }), manifest.config.size);
  const config: ConfigBlob = parseImageConfig(configBytes, ctx.ports.hasher);
  if (config.id !== manifest.config.digest) throw invalid(`image config verification failed for digest ${manifest.config.digest}`);
  if (config.config.os !== 'linux') throw invalid(`image operating system "${config.config.os}" cannot be used on this platform`);
  const diffIds = config.config.rootfs.diff_ids;
  if (diffIds.length !== manifest.layers.length) throw invalid("layers from manifest don't match image configuration");

  const present = await ctx.store.image(config.id);
  const known = await Promise.all(diffIds.map((d) => ctx.store.layer(d)));
  const complete = present !== undefined && known.every((l) => l !== undefined);
  const added = new Set<Digest>();
  const abort = new AbortController();
  const onOuterAbort = () => abort.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  let downloads: Array<Promise<IngestedLayer>> = [];
  let firstFailure: unknown;
  try {
    let layers: IngestedLayer[];
    if (complete) layers = known as IngestedLayer[];
    else {
      manifest.layers.forEach((l, i) => say({ status: known[i] ? 'Already exists' : 'Pulling fs layer', progressDetail: {}, id: shortId(l.digest) }));
      const byBlob = new Map<Digest, Promise<IngestedLayer>>();
      const fetchLayer = (desc: Descriptor, i: number): Promise<IngestedLayer> => {
        if (known[i]) return Promise.resolve(known[i] as IngestedLayer);
        let p = byBlob.get(desc.digest);
        if (!p) {
          p = downloadLayer(ctx, ref, desc, options, abort.signal, added, say);
          byBlob.set(desc.digest, p);
        }
        return p.then((layer) => {
          if (layer.diffId !== diffIds[i]) throw invalid("layers from manifest don't match image configuration");
          return layer;
        });
      };
      downloads = limited(manifest.layers, PARALLEL_DOWNLOADS, fetchLayer);
      // The first layer to fail aborts the others; its error (not their aborts) is the pull's.
      for (const d of downloads)
        d.catch((e) => {
          firstFailure ??= e;
          abort.abort();
        });
      layers = [];
      // dockerd extracts in layer order, each after the one below it.
      for (const [i, d] of downloads.entries()) {
        const layer = await d;
        if (!known[i]) {
          const id = shortId(manifest.layers[i].digest);
          say({ status: 'Extracting', progressDetail: { current: layer.blobSize, total: layer.blobSize }, progress: progressBar(layer.blobSize, layer.blobSize), id });
          say({ status: 'Pull complete', progressDetail: {}, id });
        }
        layers.push(layer);
      }
    }

    const digestRef = withDigest(parseNormalizedNamed(referenceName(ref)), resolved.digest);
    const result = await hooks.serial(async () => {
      const before = (await ctx.store.tags()).refs;
      // The registry's manifest becomes the image's only when the store holds every blob it lists (the OCI layout stays whole).
      const ownManifest = manifest.layers.every((d, i) => layers[i].blob === d.digest);
      const id = await writeImage(ctx, { config, layers, manifestBytes: ownManifest ? resolved.bytes : undefined });
      const metadata = new DistributionMetadata(ctx.ports.metadata);
      // One record per layer, written side by side (their fsyncs overlap); a layer listed twice is recorded once.
      const firstIndex = new Map<Digest, number>();
      diffIds.forEach((d, i) => firstIndex.set(d, firstIndex.get(d) ?? i));
      await Promise.all(
        [...firstIndex.values()].map((i) => {
          const d = manifest.layers[i];
          return metadata.add(diffIds[i], { digest: d.digest, size: d.size, mediaType: d.mediaType, registry: ref.domain, repository: ref.path });
        }),
      );
      const named = ref.digest ? digestRef : ref;
      const upToDate = complete && before[referenceString(named)] === id;
      await hooks.setTag(ref.digest ? [digestRef] : [ref, digestRef], id);
      await ctx.store.writeLayoutIndex();
      ctx.events.emit('image', 'pull', familiarString(named), { name: familiarString(named) });
      return { id, digest: resolved.digest, name: familiarString(named), upToDate };
    });
    say({ status: `Digest: ${resolved.digest}` });
    say({ status: `Status: ${result.upToDate ? 'Image is up to date' : 'Downloaded newer image'} for ${result.name}` });
    return result;
  } catch (e) {
    abort.abort();
    await Promise.allSettled(downloads);
    await hooks.serial(() => dropUnusedBlobs(ctx, added));
    throw firstFailure ?? e;
  } finally {
    options.signal?.removeEventListener('abort', onOuterAbort);
  }
}

/** One layer from the registry into the content store, with dockerd's download messages. */
async function downloadLayer(
  ctx: EngineContext,
  ref: Reference,
  desc: Descriptor,
  options: PullOptions,
  signal: AbortSignal,
  added: Set<Digest>,
  say: (m: ProgressMessage) => void,
): Promise<IngestedLayer> {
  const registry = ctx.ports.registry!;
  const id = shortId(desc.digest);
  if (!(await ctx.ports.content.has(desc.digest))) added.add(desc.digest);
  const started = ctx.ports.clock.now();
  let shown = 0;
  const step = Math.max(1, Math.floor(desc.size / 100));
  const body = await registry.fetchBlob(ref, desc, {
    auth: options.auth,
    signal,
    onBytes: (n) => {
      if (n - shown < step && n !== desc.size) return;
      shown = n;
      say({ status: 'Downloading', progressDetail: { current: n, total: desc.size }, progress: progressBar(n, desc.size), id });
    },
  });
  // The registry's stream errors rather than ends when the bytes miss the descriptor: no second hash.
  const layer = await ingestLayer(ctx.ports, body, { digest: desc.digest, size: desc.size, verifiedBySource: true });
  // dockerd's watchers see only the latest state, so its checksum step shows on long downloads
  // only; ours is hashed as it streams, and says so for downloads long enough to watch.
  if (ctx.ports.clock.now() - started >= 2000) say({ status: 'Verifying Checksum', progressDetail: {}, id });
  say({ status: 'Download complete', progressDetail: {}, id });
  return layer;
}

/** Remove blobs a failed pull added that no layer or image record uses. */
async function dropUnusedBlobs(ctx: EngineContext, added: Set<Digest>): Promise<void> {
  if (added.size === 0) return;
  const used = new Set<string>();
  for (const l of await ctx.store.layers()) used.add(l.blob);
  for (const img of await ctx.store.images()) {
    used.add(img.id);
    used.add(img.manifest);
  }
  for (const d of added) if (!used.has(d)) await ctx.ports.content.delete(d).catch(() => undefined);
}

