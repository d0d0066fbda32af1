import { type Digest, digestHex, isSha256Digest, sha256Of, shortId } from '../digest/index.js';
import { StrataError, invalid } from '../errors/index.js';
import {
  type ConfigBlob,
  type Manifest,
  MediaType,
  archiveManifestSchema,
  indexSchema,
  isIndexMediaType,
  manifestSchema,
  parseImageConfig,
  parseJsonDocument,
} from '../image/index.js';
import { decompressedStream, readTar } from '../layer/index.js';
import { type Reference, familiarString, parseNormalizedNamed, parseReference, referenceString } from '../reference/index.js';
import type { LoadOptions, LoadResult } from './api.js';
import type { EngineContext } from './engine.js';
import { type IngestedLayer, bytesStream, ingestLayer } from './layer-ingest.js';
import { writeImage } from './image-writer.js';

/** Files up to this size are kept in memory while the archive streams by (metadata, small layers). */
const SMALL_FILE = 1 << 20;

/**
 * Archive chunks below a quarter of this are gathered to this size; bigger ones (a socket's
 * 64 KiB) pass as they are: a per-chunk stream hop costs less than copying hundreds of MB.
 */
const ARCHIVE_PIECE = 64 << 10;

type ArchiveFile =
  | { kind: 'bytes'; bytes: Uint8Array }
  | { kind: 'layer'; layer: IngestedLayer }
  | { kind: 'pending'; ingest: Promise<IngestedLayer> }
  | { kind: 'broken'; error: unknown };

/** The archive's files by cleaned path, with its links resolved inside the archive. */
class ArchiveTree {
  readonly files = new Map<string, ArchiveFile>();
  readonly links = new Map<string, string>();

  /** Follow links (at most 40, as the kernel) to a file; paths never leave the archive. */
  resolve(path: string, what: string): { path: string; file: ArchiveFile } {
    let p = cleanArchivePath(path, what);
    for (let hops = 0; hops < 40; hops++) {
      const f = this.files.get(p);
      if (f) return { path: p, file: f };
      const target = this.links.get(p);
      if (target === undefined) throw invalid(`invalid archive: ${what} ${JSON.stringify(path)}: no such file in the archive`);
      p = target;
    }
    throw invalid(`invalid archive: ${what} ${JSON.stringify(path)}: too many levels of symbolic links`);
  }
}

/** Normalise an archive member path; `..` past the root or an absolute path is hostile. */
function cleanArchivePath(name: string, what = 'entry'): string {
  if (name.startsWith('/')) throw invalid(`invalid archive: ${what} ${JSON.stringify(name)} is an absolute path`);
  const out: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length === 0) throw invalid(`invalid archive: ${what} ${JSON.stringify(name)} points outside the archive`);
      out.pop();
    } else out.push(part);
  }
  return out.join('/');
}

const dirOf = (p: string) => (p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '');

/**
 * The archive with its small chunks gathered into pieces of ARCHIVE_PIECE bytes (a reader that
 * delivers a few bytes at a time would otherwise cost a hop per few bytes); chunks of a quarter
 * of that or more pass untouched. One pull per piece, cheaper than a TransformStream.
 */
function gathered(archive: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const reader = archive.getReader();
  let parts: Uint8Array[] = [];
  let held = 0;
  const take = (): Uint8Array => {
    const out = parts.length === 1 ? parts[0] : new Uint8Array(held);
    if (parts.length > 1) parts.reduce((o, p) => (out.set(p, o), o + p.byteLength), 0);
    parts = [];
    held = 0;
    return out;
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(c) {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) {
            if (held > 0) c.enqueue(take());
            return c.close();
          }
          if (value.byteLength === 0) continue;
          if (value.byteLength >= ARCHIVE_PIECE / 4) {
            // What was held goes first, so the bytes keep their order.
            if (held > 0) c.enqueue(take());
            return c.enqueue(value);
          }
          parts.push(value);
          held += value.byteLength;
          if (held >= ARCHIVE_PIECE) return c.enqueue(take());
        }
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  );
}

/** Read every member of the (possibly compressed) archive: layers go to the store as they stream by. */
async function readArchive(ctx: EngineContext, archive: ReadableStream<Uint8Array>): Promise<ArchiveTree> {
  const { stream } = await decompressedStream(gathered(archive), ctx.ports.codecs);
  const tree = new ArchiveTree();
  let sawEntry = false;
  try {
    for await (const e of readTar(stream)) {
      if (e.type === 'pax-global') continue;
      sawEntry = true;
      const path = cleanArchivePath(e.path);
      if (e.type === 'directory' || path === '') {
        await e.body.cancel();
        continue;
      }
      if (e.type === 'symlink') {
        const dir = dirOf(path);
        const target = e.linkname.startsWith('/') ? e.linkname.slice(1) : dir ? `${dir}/${e.linkname}` : e.linkname;
        tree.links.set(path, cleanArchivePath(target, `link ${path} ->`));
        await e.body.cancel();
        continue;
      }
      if (e.type === 'hardlink') {
        tree.links.set(path, cleanArchivePath(e.linkname, `link ${path} ->`));
        await e.body.cancel();
        continue;
      }
      if (e.type !== 'file') {
        await e.body.cancel();
        continue;
      }
      if (e.size <= SMALL_FILE) {
        tree.files.set(path, { kind: 'bytes', bytes: await readAll(e.body, e.size) });
      } else {
        // The next member may stream in while this layer is still being fsynced and renamed:
        // wait only until its bytes are consumed (or its ingest fails).
        let sourceEnd!: () => void;
        const consumed = new Promise<void>((r) => (sourceEnd = r));
        const ingest = ingestLayer(ctx.ports, e.body, undefined, sourceEnd);
        ingest.catch(() => undefined);
        await Promise.race([consumed, ingest.then(() => undefined, () => undefined)]);
        tree.files.set(path, { kind: 'pending', ingest });
      }
    }
  } catch (err) {
    await settleAll(tree);
    throw err;
  }
  for (const [path, file] of tree.files) {
    if (file.kind !== 'pending') continue;
    try {
      tree.files.set(path, { kind: 'layer', layer: await file.ingest });
    } catch (err) {
      if (!(err instanceof StrataError) || /unexpected EOF/.test(err.message)) {
        await settleAll(tree);
        throw err;
      }
      tree.files.set(path, { kind: 'broken', error: err });
    }
  }
  if (!sawEntry) throw invalid('invalid archive: no entries');
  return tree;
}

/** Wait for every layer still being written, so a rollback sees all of their blobs. */
async function settleAll(tree: ArchiveTree): Promise<void> {
  await Promise.allSettled([...tree.files.values()].map((f) => (f.kind === 'pending' ? f.ingest : undefined)));
}

/** An image found in the archive, verified and ready to commit. */
interface PlannedImage {
  config: ConfigBlob;
  layers: IngestedLayer[];
  tags: Reference[];
  /** The archive's own manifest bytes when it had one (OCI layouts), kept so its digest survives. */
  manifestBytes?: Uint8Array;
}

async function layerAt(ctx: EngineContext, tree: ArchiveTree, path: string, what: string): Promise<IngestedLayer> {
  const { path: real, file } = tree.resolve(path, what);
  if (file.kind === 'layer') return file.layer;
  if (file.kind === 'pending') return file.ingest;
  if (file.kind === 'broken') throw file.error;
  const layer = await ingestLayer(ctx.ports, file.bytes);
  tree.files.set(real, { kind: 'layer', layer });
  return layer;
}

function bytesAt(tree: ArchiveTree, path: string, what: string): Uint8Array {
  const { file } = tree.resolve(path, what);
  if (file.kind !== 'bytes') throw invalid(`invalid archive: ${what} ${JSON.stringify(path)} is too large`);
  return file.bytes;
}

function verifyDiffIds(config: ConfigBlob, layers: IngestedLayer[]): void {
  const want = config.config.rootfs.diff_ids;
  if (want.length !== layers.length) throw invalid(`invalid manifest, layers length mismatch: expected ${want.length}, got ${layers.length}`);
  layers.forEach((l, i) => {
    if (l.diffId !== want[i]) throw invalid(`invalid diffID for layer ${i}: expected ${JSON.stringify(want[i])}, got ${JSON.stringify(l.diffId)}`);
  });
}

function checkPlatform(config: ConfigBlob): void {
  if (config.config.os !== 'linux') throw invalid(`image operating system "${config.config.os}" cannot be used on this platform`);
}

/** `docker save` archives (any Docker version, skopeo's variant): driven by manifest.json. */
async function planFromDockerManifest(ctx: EngineContext, tree: ArchiveTree, manifestBytes: Uint8Array): Promise<PlannedImage[]> {
  const entries = parseJsonDocument(archiveManifestSchema, manifestBytes, 'manifest.json');
  const plan: PlannedImage[] = [];
  for (const entry of entries) {
    const config = parseImageConfig(bytesAt(tree, entry.Config, 'config'), ctx.ports.hasher);
    checkPlatform(config);
    const layers: IngestedLayer[] = [];
    for (const l of entry.Layers) layers.push(await layerAt(ctx, tree, l, 'layer'));
    verifyDiffIds(config, layers);
    const tags: Reference[] = [];
    for (const t of entry.RepoTags ?? []) {
      let ref: Reference;
      try {
        ref = parseNormalizedNamed(t);
      } catch (e) {
        throw invalid(`invalid reference ${JSON.stringify(t)} in manifest.json: ${(e as Error).message}`);
      }
      if (!ref.tag || ref.digest) throw invalid(`invalid tag ${JSON.stringify(t)}`);
      tags.push(ref);
    }
    plan.push({ config, layers, tags });
  }
  return plan;
}

/** A plain OCI image layout packed as a tar: driven by index.json. */
async function planFromOciLayout(ctx: EngineContext, tree: ArchiveTree, indexBytes: Uint8Array): Promise<PlannedImage[]> {
  const index = parseJsonDocument(indexSchema, indexBytes, 'index.json');
  const plan: PlannedImage[] = [];
  const blobPath = (d: string) => {
    if (!isSha256Digest(d)) throw invalid(`invalid archive: unsupported digest ${d}`);
    return `blobs/sha256/${digestHex(d)}`;
  };
  const verifiedBytes = (d: Digest, what: string) => {
    const b = bytesAt(tree, blobPath(d), what);
    if (sha256Of(ctx.ports.hasher, b) !== d) throw invalid(`invalid archive: ${what} ${d} does not match its digest`);
    return b;
  };
  const visit = async (descs: typeof index.manifests, depth: number, inheritedName?: string) => {
    if (depth > 4) throw invalid('invalid archive: index nesting too deep');
    for (const d of descs) {
      const name = d.annotations?.['io.containerd.image.name'] ?? inheritedName ?? d.annotations?.['org.opencontainers.image.ref.name'];
      if (isIndexMediaType(d.mediaType)) {
        const nested = parseJsonDocument(indexSchema, verifiedBytes(d.digest, 'index'), 'index');
        const pick = nested.manifests.filter((m) => !m.platform || (m.platform.os === 'linux' && m.platform.architecture === 'amd64'));
        await visit(pick.slice(0, 1), depth + 1, name);
        continue;
      }
      const manifestBytes = verifiedBytes(d.digest, 'manifest');
      const manifest: Manifest = parseJsonDocument(manifestSchema, manifestBytes, 'manifest');
      const config = parseImageConfig(verifiedBytes(manifest.config.digest, 'config'), ctx.ports.hasher);
      checkPlatform(config);
      const layers: IngestedLayer[] = [];
      for (const l of manifest.layers) {
        const layer = await layerAt(ctx, tree, blobPath(l.digest), 'layer');
        if (layer.blob !== l.digest) throw invalid(`invalid archive: layer ${l.digest} does not match its digest (got ${layer.blob})`);
        layers.push(layer);
      }
      verifyDiffIds(config, layers);
      const tags: Reference[] = [];
      if (name) {
        try {
          const ref = parseNormalizedNamed(name);
          if (ref.tag && !ref.digest && (name.includes('/') || name.includes(':'))) tags.push(ref);
        } catch {
          // A bare OCI ref.name such as "v1" names no repository: the image loads untagged.
        }
      }
      plan.push({ config, layers, tags, manifestBytes });
    }
  };
  await visit(index.manifests, 0);
  return plan;
}

/** Load a `docker save` archive or an OCI layout tar; all-or-nothing: a failure leaves the store as it was. */
export async function loadArchive(
  ctx: EngineContext,
  archive: ReadableStream<Uint8Array>,
  options: LoadOptions,
  setTag: (ref: Reference, id: Digest) => Promise<void>,
): Promise<LoadResult> {
  const { content } = ctx.ports;
  const before = new Set(await content.list());
  let committed = false;
  try {
    const tree = await readArchive(ctx, archive);
    const manifestJson = tree.files.get('manifest.json');
    const indexJson = tree.files.get('index.json');
    let plan: PlannedImage[];
    if (manifestJson?.kind === 'bytes') plan = await planFromDockerManifest(ctx, tree, manifestJson.bytes);
    else if (indexJson?.kind === 'bytes' && tree.files.has('oci-layout')) plan = await planFromOciLayout(ctx, tree, indexJson.bytes);
    else throw invalid('invalid archive: it has neither manifest.json (docker save) nor index.json (OCI layout)');
    if (plan.length === 0) throw invalid('invalid archive: no images in it');

    const messages: string[] = [];
    const imageIds: string[] = [];
    const say = (line: string) => {
      messages.push(line);
      options.onProgress?.({ stream: `${line}\n` });
    };
    for (const p of plan) {
      for (const l of p.layers) options.onProgress?.({ status: 'Loading layer', progressDetail: { current: l.tarSize, total: l.tarSize }, id: shortId(l.diffId) });
      const id = await writeImage(ctx, { config: p.config, layers: p.layers, manifestBytes: p.manifestBytes });
      committed = true;
      imageIds.push(id);
      ctx.events.emit('image', 'load', id, { name: id });
      const tags = await ctx.store.tags();
      for (const ref of p.tags) {
        const old = tags.refs[referenceString(ref)];
        if (old && old !== id) say(`The image ${familiarString(ref)} already exists, renaming the old one with ID ${old} to empty string`);
        await setTag(ref, id);
        say(`Loaded image: ${familiarString(ref)}`);
      }
      if (p.tags.length === 0) say(`Loaded image ID: ${id}`);
    }
    await dropUnreferencedNewBlobs(ctx, before);
    return { imageIds, messages };
  } catch (e) {
    if (!committed) await rollbackNewBlobs(ctx, before);
    throw e;
  }
}

async function rollbackNewBlobs(ctx: EngineContext, before: Set<Digest>): Promise<void> {
  for (const d of await ctx.ports.content.list()) if (!before.has(d)) await ctx.ports.content.delete(d).catch(() => undefined);
}

/** Blobs that streamed in but no image uses (e.g. a large non-layer file) are not kept. */
async function dropUnreferencedNewBlobs(ctx: EngineContext, before: Set<Digest>): Promise<void> {
  const used = new Set<string>();
  for (const img of await ctx.store.images()) {
    used.add(img.id);
    used.add(img.manifest);
  }
  for (const l of await ctx.store.layers()) used.add(l.blob);
  for (const d of await ctx.ports.content.list()) if (!before.has(d) && !used.has(d)) await ctx.ports.content.delete(d).catch(() => undefined);
}

async function readAll(body: ReadableStream<Uint8Array>, size: number): Promise<Uint8Array> {
  const out = new Uint8Array(size);
  let o = 0;
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    out.set(chunk.subarray(0, Math.min(chunk.byteLength, size - o)), o);
    o += chunk.byteLength;
  }
  if (o !== size) throw invalid('unexpected EOF');
  return out;
}
