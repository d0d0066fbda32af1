import type { Digest } from '../digest/index.js';
import { conflict, invalid, unavailable } from '../errors/index.js';
import { dockerContainerConfig, parseImageConfig } from '../image/index.js';
import type { ContainerFiles, ContainerRecord } from '../lifecycle/index.js';
import { type Reference, familiarString, parseNormalizedNamed, withTag } from '../reference/index.js';
import { applyConfigChanges } from './config-changes.js';
import { writableLayerTar } from './container-layer.js';
import type { EngineContext } from './engine.js';
import { writeImage } from './image-writer.js';
import { type WrittenEntries, ingestLayer, ingestWrittenLayer } from './layer-ingest.js';

/** The diffID of a layer tar with no entries (two zero blocks): Docker records it as `empty_layer`. */
export const EMPTY_LAYER_DIFF_ID: Digest = 'sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef';

/** `docker commit` options (the query of `POST /commit`, plus what a build step sets). */
export interface CommitOptions {
  /** Repository (and `tag`) to tag the new image with. */
  repo?: string;
  tag?: string;
  /** `-m`: the image's `comment` and its history entry's. */
  comment?: string;
  /** `-a`. */
  author?: string;
  /** `-c`: Dockerfile instructions applied to the config (`CMD ["sh"]`, `ENV A=b`). */
  changes?: string[];
  /** `--pause` (default true): freeze a running container while its layer is read. */
  pause?: boolean;
  /** The new image's `config` before `changes` (default: the container's config; the body of `POST /commit`). */
  config?: Record<string, unknown>;
  /** The image's `container_config` (default: the container's config); its Cmd becomes the history's `created_by`. */
  containerConfig?: Record<string, unknown>;
}

/** A layer to put on top of a parent image, and the config and history entry that describe it. */
export interface LayerImageRequest {
  /** The parent image's ID; none for an image that starts from scratch. */
  parent?: Digest;
  /** An uncompressed layer tar, or one the engine writes itself, reporting its entries as it writes them. */
  layer: ReadableStream<Uint8Array> | ((entries: WrittenEntries) => ReadableStream<Uint8Array>);
  /** The new image's `config` (Docker's container config shape). */
  config: Record<string, unknown>;
  /** `container_config` and `container` (the ID of the container the layer came from), as dockerd records them. */
  containerConfig?: Record<string, unknown>;
  container?: string;
  author?: string;
  comment?: string;
  /** The history entry's `created_by` (default: the container config's Cmd joined by spaces). */
  createdBy?: string;
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Store a layer tar as a new image on top of `parent`, as dockerd's CommitImage does: the layer
 * (unless it is empty, which only adds a history entry with `empty_layer`), a config whose
 * top-level keys are sorted (Docker marshals a map), history appended, the parent recorded.
 */
export async function storeLayerImage(ctx: EngineContext, request: LayerImageRequest): Promise<Digest> {
  const parentConfig = request.parent ? await ctx.store.config(request.parent) : undefined;
  const before = new Set(await ctx.ports.content.list());
  const layer = typeof request.layer === 'function' ? await ingestWrittenLayer(ctx.ports, request.layer) : await ingestLayer(ctx.ports, request.layer);
  const empty = layer.diffId === EMPTY_LAYER_DIFF_ID;
  const parentLayers = [];
  for (const diffId of parentConfig?.rootfs.diff_ids ?? []) {
    const record = await ctx.store.layer(diffId);
    if (!record) throw invalid(`layer ${diffId} of the parent image is missing from the store`);
    parentLayers.push({ ...record, table: undefined });
  }
  try {
    const created = ctx.now();
    const containerConfig = request.containerConfig ? dockerContainerConfig(request.containerConfig) : undefined;
    const createdBy = request.createdBy ?? ((containerConfig?.Cmd as string[] | null | undefined) ?? []).join(' ');
    const history = {
      created,
      ...(request.author ? { author: request.author } : {}),
      ...(createdBy ? { created_by: createdBy } : {}),
      ...(request.comment ? { comment: request.comment } : {}),
      ...(empty ? { empty_layer: true } : {}),
    };
    const p = (parentConfig ?? {}) as Record<string, unknown>;
    const fields: Record<string, unknown> = {
      architecture: p.architecture ?? 'amd64',
      // dockerd's NewChildImage keeps the comment in the history entry only.
      ...(request.author ? { author: request.author } : {}),
      config: dockerContainerConfig(request.config),
      ...(request.container ? { container: request.container } : {}),
      ...(containerConfig ? { container_config: containerConfig } : {}),
      created,
      docker_version: 'strata',
      history: [...((p.history as unknown[] | undefined) ?? []), history],
      os: p.os ?? 'linux',
      ...(p['os.version'] ? { 'os.version': p['os.version'] } : {}),
      ...(p['os.features'] ? { 'os.features': p['os.features'] } : {}),
      rootfs: { type: 'layers', diff_ids: [...(parentConfig?.rootfs.diff_ids ?? []), ...(empty ? [] : [layer.diffId])] },
      ...(p.variant ? { variant: p.variant } : {}),
    };
    const sorted = Object.fromEntries(Object.keys(fields).sort(compare).map((k) => [k, fields[k]]));
    const bytes = new TextEncoder().encode(goJson(sorted));
    const config = parseImageConfig(bytes, ctx.ports.hasher);
    if (empty && !before.has(layer.blob)) await ctx.ports.content.delete(layer.blob).catch(() => undefined);
    return await writeImage(ctx, { config, layers: empty ? parentLayers : [...parentLayers, layer], parent: request.parent });
  } catch (e) {
    if (!before.has(layer.blob)) await ctx.ports.content.delete(layer.blob).catch(() => undefined);
    throw e;
  }
}

/** JSON as Go's encoding/json writes it: `<`, `>`, `&` and the line separators escaped. */
function goJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** What commit needs of the container side of the engine. */
export interface CommitContainerSide {
  record(name: string): Promise<ContainerRecord>;
  files(id: string): Promise<ContainerFiles>;
  pause(name: string): Promise<void>;
  unpause(name: string): Promise<void>;
  setTag(ref: Reference, id: Digest): Promise<void>;
  /** Runs the image-store part one at a time with the engine's other image writes. */
  serial<T>(task: () => Promise<T>): Promise<T>;
}

/**
 * `docker commit` (moby's CreateImageFromContainer): pause a running container unless told not
 * to, take its writable layer as a layer tar, apply `changes` to its config, store the image on
 * top of the container's image, tag it, and emit the container's `commit` event.
 */
export async function commitContainer(ctx: EngineContext, side: CommitContainerSide, name: string, options: CommitOptions = {}): Promise<Digest> {
  const r = await side.record(name);
  if (r.state.status === 'dead') throw conflict(`You cannot commit container ${r.id} which is Dead`);
  let ref: Reference | undefined;
  if (options.repo) {
    ref = parseNormalizedNamed(options.repo);
    if (options.tag) ref = withTag(ref, options.tag);
    if (ref.digest) throw invalid('cannot commit to digest reference');
  } else if (options.tag) throw invalid('tag is specified without repository');
  const base = options.config ?? (r.config as unknown as Record<string, unknown>);
  const config = applyConfigChanges(options.changes ?? [], dockerContainerConfig(base));
  const files = await side.files(r.id).catch((e) => {
    throw e instanceof Error && 'kind' in e ? e : unavailable(`the container's files cannot be read: ${String(e)}`);
  });
  const pause = (options.pause ?? true) && r.state.status === 'running';
  if (pause) await side.pause(r.id);
  let id: Digest;
  try {
    id = await side.serial(() =>
      storeLayerImage(ctx, {
        parent: r.image as Digest,
        layer: (written) => writableLayerTar(files, written),
        config: mergeCommitConfig(config, r.config as unknown as Record<string, unknown>),
        containerConfig: options.containerConfig ?? (r.config as unknown as Record<string, unknown>),
        container: r.id,
        author: options.author,
        comment: options.comment,
      }),
    );
  } finally {
    if (pause) await side.unpause(r.id);
  }
  if (ref) await side.serial(async () => {
    await side.setTag(ref!, id);
    await ctx.store.writeLayoutIndex();
  });
  ctx.events.emit('container', 'commit', r.id, {
    comment: options.comment ?? '',
    imageID: id,
    imageRef: ref ? familiarString(ref) : '',
    ...r.config.Labels,
    image: r.config.Image,
    name: r.name.slice(1),
  });
  return id;
}

/** moby's commit merge: fields the new config leaves empty come from the container's config. */
function mergeCommitConfig(user: Record<string, unknown>, container: Record<string, unknown>): Record<string, unknown> {
  const out = { ...user };
  const empty = (v: unknown) => v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && v !== null && Object.keys(v).length === 0);
  if (!out.User) out.User = container.User;
  if (empty(out.ExposedPorts)) out.ExposedPorts = container.ExposedPorts;
  else if (container.ExposedPorts) out.ExposedPorts = { ...(container.ExposedPorts as object), ...(out.ExposedPorts as object) };
  if (empty(out.Env)) out.Env = container.Env;
  else {
    const env = [...(out.Env as string[])];
    const keys = new Set(env.map((e) => e.split('=', 1)[0]));
    for (const e of (container.Env as string[] | null) ?? []) if (!keys.has(e.split('=', 1)[0])) env.push(e);
    out.Env = env;
  }
  out.Labels = { ...((container.Labels as Record<string, string> | null) ?? {}), ...((out.Labels as Record<string, string> | null) ?? {}) };
  if (empty(out.Entrypoint)) {
    if (empty(out.Cmd)) out.Cmd = container.Cmd;
    if (out.Entrypoint === undefined || out.Entrypoint === null) out.Entrypoint = container.Entrypoint;
  }
  if (!out.WorkingDir) out.WorkingDir = container.WorkingDir;
  if (empty(out.Volumes)) out.Volumes = container.Volumes;
  if (!out.StopSignal) out.StopSignal = container.StopSignal;
  return out;
}
