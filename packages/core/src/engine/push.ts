import { type Digest, shortId } from '../digest/index.js';
import { notFound, unavailable } from '../errors/index.js';
import { MediaType, manifestSchema, parseJsonDocument } from '../image/index.js';
import { type Reference, familiarName, parseNormalizedNamed, parseReference, referenceName, referenceString, withDigest, withTag } from '../reference/index.js';
import type { ProgressMessage } from './api.js';
import type { EngineContext } from './engine.js';
import type { Descriptor } from './ports.js';
import { limited } from './pull.js';
import { pushLayer } from './push-layer.js';
import type { RegistryAuth } from './registry-port.js';

export interface PushOptions {
  /** Push this tag only; every tag of the repository when absent (`docker push REPO`). */
  tag?: string;
  auth?: RegistryAuth;
  onProgress?: (m: ProgressMessage) => void;
  signal?: AbortSignal;
}

/** One tag pushed: its manifest digest and size, as dockerd's aux message carries them. */
export interface PushedTag {
  Tag: string;
  Digest: Digest;
  Size: number;
}

/** What the push needs from the engine that owns the store. */
export interface PushHooks {
  /** Runs a mutation of the records in the engine's serial queue. */
  serial<T>(task: () => Promise<T>): Promise<T>;
}

/** The push side of the engine. */
export interface ImagePusher {
  /** `docker push NAME[:TAG]`: upload the image's blobs the registry lacks, then its manifest under the tag. */
  pushImage(name: string, options?: PushOptions): Promise<PushedTag[]>;
}

/** Layers uploaded at once, as dockerd's default max-concurrent-uploads. */
const PARALLEL_UPLOADS = 5;

/**
 * The manifest to push: the stored one byte for byte when it lists exactly the blobs pushed (an
 * image pulled from a registry keeps its digest), else a Docker schema2 manifest as dockerd
 * writes it (Go's MarshalIndent with three spaces).
 */
async function manifestFor(ctx: EngineContext, stored: Digest, config: Descriptor, layers: Descriptor[]): Promise<{ mediaType: string; bytes: Uint8Array }> {
  const bytes = await ctx.ports.content.readBytes(stored);
  const manifest = parseJsonDocument(manifestSchema, bytes, 'manifest');
  const same = manifest.layers.length === layers.length && manifest.layers.every((l, i) => l.digest === layers[i].digest) && manifest.config.digest === config.digest;
  if (same) return { mediaType: manifest.mediaType ?? MediaType.ociManifest, bytes };
  const dockerType = (t: string) => (t === MediaType.ociLayerGzip ? MediaType.dockerLayerGzip : t);
  const schema2 = {
    schemaVersion: 2,
    mediaType: MediaType.dockerManifest,
    config: { mediaType: config.mediaType, size: config.size, digest: config.digest },
    layers: layers.map((l) => ({ mediaType: dockerType(l.mediaType), size: l.size, digest: l.digest })),
  };
  return { mediaType: MediaType.dockerManifest, bytes: new TextEncoder().encode(JSON.stringify(schema2, null, 3)) };
}

/** True for an engine that can push. */
export const canPush = (engine: object): engine is ImagePusher => typeof (engine as Partial<ImagePusher>).pushImage === 'function';

/**
 * Push as dockerd does: `The push refers to repository [...]`, each layer (top first) `Preparing`
 * then `Layer already exists`, `Mounted from R` or `Pushing` + `Pushed` (see pushLayer), the
 * config, then the manifest: `TAG: digest: D size: N` and the aux record. Blobs stream from the
 * content store, never buffered.
 */
export async function pushImage(ctx: EngineContext, name: string, options: PushOptions, hooks?: PushHooks): Promise<PushedTag[]> {
  const registry = ctx.ports.registry;
  if (!registry) throw unavailable('pushing images needs a registry client, and this engine has none');
  const repo = parseNormalizedNamed(name);
  const tags = (await ctx.store.tags()).refs;
  const wanted: Reference[] = [];
  if (options.tag || repo.tag) wanted.push(withTag(repo, options.tag || repo.tag!));
  else for (const r of Object.keys(tags).sort()) if (!r.includes('@') && referenceName(parseReference(r)) === referenceName(repo)) wanted.push(parseReference(r));
  const say = (m: ProgressMessage) => options.onProgress?.(m);
  const missing = wanted.length === 0 || wanted.some((r) => !tags[referenceString(r)]);
  if (missing) throw notFound(`An image does not exist locally with the tag: ${familiarName(repo)}`);

  say({ status: `The push refers to repository [${familiarName(repo)}]` });
  const pushed: PushedTag[] = [];
  const auth = { auth: options.auth, signal: options.signal };
  for (const ref of wanted) {
    const image = await ctx.store.image(tags[referenceString(ref)]);
    if (!image) throw notFound(`An image does not exist locally with the tag: ${familiarName(repo)}`);
    const records = await Promise.all(image.diffIds.map((d) => ctx.store.layer(d)));
    const layers = records.map((record, i) => {
      if (!record) throw notFound(`layer ${image.diffIds[i]} of image ${image.id} is missing from the store`);
      return record;
    });
    for (const l of [...layers].reverse()) say({ status: 'Preparing', progressDetail: {}, id: shortId(l.diffId) });
    // dockerd uploads at most 5 layers at once (max-concurrent-uploads); the same layer twice is pushed once.
    const byDiffId = new Map<Digest, Promise<Descriptor>>();
    const descriptors = await Promise.all(
      limited(layers, PARALLEL_UPLOADS, (l) => {
        let p = byDiffId.get(l.diffId);
        if (!p) byDiffId.set(l.diffId, (p = pushLayer(ctx, ref, l, { ...auth, say })));
        return p;
      }),
    );
    const config: Descriptor = { mediaType: MediaType.dockerConfig, digest: image.id, size: image.configSize };
    if (!(await registry.hasBlob(ref, config.digest, auth))) await registry.pushBlob(ref, config, await ctx.ports.content.read(config.digest), auth);
    const { mediaType, bytes: manifestBytes } = await manifestFor(ctx, image.manifest, config, descriptors);
    const digest = await registry.pushManifest(ref, ref.tag!, mediaType, manifestBytes, auth);
    if (hooks) await hooks.serial(() => recordRepoDigest(ctx, withDigest(parseNormalizedNamed(referenceName(ref)), digest), image.id));
    say({ status: `${ref.tag}: digest: ${digest} size: ${manifestBytes.byteLength}` });
    say({ progressDetail: {}, aux: { Tag: ref.tag, Digest: digest, Size: manifestBytes.byteLength } });
    pushed.push({ Tag: ref.tag!, Digest: digest, Size: manifestBytes.byteLength });
  }
  return pushed;
}

/**
 * dockerd records `repo@digest` for the image once its manifest is in the registry, so
 * `RepoDigests` lists it after a push as after a pull (a reference store write, with no event).
 */
async function recordRepoDigest(ctx: EngineContext, digestRef: Reference, id: Digest): Promise<void> {
  const tags = await ctx.store.tags();
  const key = referenceString(digestRef);
  if (tags.refs[key] === id) return;
  // The image may have been removed while its blobs went up; a digest must not point at nothing.
  if (!(await ctx.store.image(id))) return;
  tags.refs[key] = id;
  await ctx.store.putTags(tags);
  await ctx.store.writeLayoutIndex();
}
