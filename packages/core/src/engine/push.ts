import { type Digest, shortId } from '../digest/index.js';
import { notFound, unavailable } from '../errors/index.js';
import { MediaType, manifestSchema, parseJsonDocument } from '../image/index.js';
import { type Reference, familiarName, parseNormalizedNamed, parseReference, referenceName, referenceString, withTag } from '../reference/index.js';
import type { ProgressMessage } from './api.js';
import type { EngineContext } from './engine.js';
import type { Descriptor } from './ports.js';
import { progressBar } from './pull.js';
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

/** The push side of the engine. */
export interface ImagePusher {
  /** `docker push NAME[:TAG]`: upload the image's blobs the registry lacks, then its manifest under the tag. */
  pushImage(name: string, options?: PushOptions): Promise<PushedTag[]>;
}

/** True for an engine that can push. */
export const canPush = (engine: object): engine is ImagePusher => typeof (engine as Partial<ImagePusher>).pushImage === 'function';

/**
 * Push as dockerd does: `The push refers to repository [...]`, each layer (top first) `Preparing`
 * then `Layer already exists` or `Pushing` + `Pushed`, then `TAG: digest: D size: N` and the aux
 * record. The stored manifest is pushed byte for byte, so an image pulled from a registry keeps
 * its digest; its blobs stream from the content store, never buffered.
 */
export async function pushImage(ctx: EngineContext, name: string, options: PushOptions): Promise<PushedTag[]> {
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
    const manifestBytes = await ctx.ports.content.readBytes(image.manifest);
    const manifest = parseJsonDocument(manifestSchema, manifestBytes, 'manifest');
    const layers = manifest.layers.map((d, i) => ({ desc: d as Descriptor, id: shortId(image.diffIds[i] ?? d.digest) })).reverse();
    for (const l of layers) say({ status: 'Preparing', progressDetail: {}, id: l.id });
    const upload = async (desc: Descriptor, id?: string) => {
      if (await registry.hasBlob(ref, desc.digest, auth)) {
        if (id) say({ status: 'Layer already exists', progressDetail: {}, id });
        return;
      }
      const step = Math.max(1, Math.floor(desc.size / 100));
      let shown = 0;
      await registry.pushBlob(ref, desc, await ctx.ports.content.read(desc.digest), {
        ...auth,
        onBytes: (n) => {
          if (!id || (n - shown < step && n !== desc.size)) return;
          shown = n;
          say({ status: 'Pushing', progressDetail: { current: n, total: desc.size }, progress: progressBar(n, desc.size), id });
        },
      });
      if (id) say({ status: 'Pushed', progressDetail: {}, id });
    };
    await Promise.all(layers.map((l) => upload(l.desc, l.id)));
    await upload(manifest.config as Descriptor);
    const mediaType = manifest.mediaType ?? MediaType.ociManifest;
    const digest = await registry.pushManifest(ref, ref.tag!, mediaType, manifestBytes, auth);
    say({ status: `${ref.tag}: digest: ${digest} size: ${manifestBytes.byteLength}` });
    say({ progressDetail: {}, aux: { Tag: ref.tag, Digest: digest, Size: manifestBytes.byteLength } });
    pushed.push({ Tag: ref.tag!, Digest: digest, Size: manifestBytes.byteLength });
  }
  return pushed;
}
