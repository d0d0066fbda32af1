import { type Digest, digestHex, sha256Of } from '../digest/index.js';
import { MediaType } from '../image/index.js';
import { type TarEntry, type TarWriteEntry, bodyLength, decompressedStream, freshHeaderBlocks, tarEntry, writeTar } from '../layer/index.js';
import { type Reference, familiarString, parseReference, referenceName } from '../reference/index.js';
import type { SavedArchive } from './api.js';
import type { EngineContext } from './engine.js';
import type { ImageRecord, LayerRecord } from './records.js';

const encoder = new TextEncoder();
const json = (v: unknown) => encoder.encode(JSON.stringify(v));

/** One image to save with the names it is saved under (none when it was asked for by ID). */
export interface SaveRequest {
  image: ImageRecord;
  refs: Reference[];
}

/**
 * `docker save` as Docker 25+ writes it: an OCI image layout (`oci-layout`, `index.json`,
 * `blobs/sha256/...` with uncompressed layers) plus the `manifest.json` every Docker since 1.10
 * loads. Layers are streamed from the store, decompressed on the way when stored compressed.
 */
export async function saveArchive(ctx: EngineContext, requests: SaveRequest[]): Promise<SavedArchive> {
  const { content, hasher } = ctx.ports;
  const seenBlobs = new Set<string>();
  const plan: Array<{ path: string; bytes?: Uint8Array; layer?: LayerRecord }> = [];
  const manifestJson: unknown[] = [];
  const indexManifests: unknown[] = [];
  const repositories: Record<string, Record<string, string>> = {};
  const addBlob = (digest: Digest, item: { bytes?: Uint8Array; layer?: LayerRecord }) => {
    if (seenBlobs.has(digest)) return;
    seenBlobs.add(digest);
    plan.push({ path: `blobs/sha256/${digestHex(digest)}`, ...item });
  };
  for (const { image, refs } of requests) {
    const config = await content.readBytes(image.id);
    addBlob(image.id, { bytes: config });
    const layers: LayerRecord[] = [];
    for (const d of image.diffIds) {
      const l = await ctx.store.layer(d);
      if (!l) throw new Error(`layer ${d} of image ${image.id} is missing from the store`);
      layers.push(l);
      addBlob(l.diffId, { layer: l });
    }
    const manifest = json({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, digest: image.id, size: config.byteLength },
      layers: layers.map((l) => ({ mediaType: MediaType.ociLayer, digest: l.diffId, size: l.tarSize })),
    });
    const manifestDigest = sha256Of(hasher, manifest);
    addBlob(manifestDigest, { bytes: manifest });
    const descriptor = { mediaType: MediaType.ociManifest, digest: manifestDigest, size: manifest.byteLength };
    if (refs.length === 0) indexManifests.push(descriptor);
    for (const r of refs) {
      indexManifests.push({ ...descriptor, annotations: { 'io.containerd.image.name': `${referenceName(r)}:${r.tag}`, 'org.opencontainers.image.ref.name': r.tag } });
      const name = familiarString({ domain: r.domain, path: r.path });
      (repositories[name] ??= {})[r.tag!] = digestHex(layers.at(-1)?.diffId ?? image.id);
    }
    manifestJson.push({
      Config: `blobs/sha256/${digestHex(image.id)}`,
      RepoTags: refs.length ? refs.map((r) => familiarString(r)) : null,
      Layers: layers.map((l) => `blobs/sha256/${digestHex(l.diffId)}`),
    });
  }
  const mtime = 0;
  const small: Array<[string, Uint8Array]> = [
    ['index.json', json({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: indexManifests })],
    ['manifest.json', json(manifestJson)],
    ['oci-layout', json({ imageLayoutVersion: '1.0.0' })],
  ];
  if (Object.keys(repositories).length) small.push(['repositories', json(repositories)]);
  const members: Array<{ entry: TarEntry; bytes?: Uint8Array; layer?: LayerRecord }> = [
    ...['blobs/', 'blobs/sha256/'].map((path) => ({ entry: tarEntry({ path, type: 'directory', mtime }) })),
    ...plan.map((item) => ({
      entry: tarEntry({ path: item.path, type: 'file', size: item.bytes?.byteLength ?? item.layer!.tarSize, mtime }),
      ...item,
    })),
    ...small.map(([path, bytes]) => ({ entry: tarEntry({ path, type: 'file', size: bytes.byteLength, mtime }), bytes })),
  ];
  async function* entries(): AsyncGenerator<TarWriteEntry> {
    for (const { entry, bytes, layer } of members) {
      if (bytes) yield { ...entry, body: bytes };
      else if (layer) {
        const raw = await content.read(layer.blob);
        const { stream } = await decompressedStream(raw, ctx.ports.codecs);
        yield { ...entry, body: stream };
      } else yield entry;
    }
  }
  // Every size is known up front, so the server can send Content-Length instead of chunks.
  const byteLength = members.reduce((n, { entry }) => n + headerLength(entry) + bodyLength(entry) + paddingOf(bodyLength(entry)), END_OF_ARCHIVE);
  return Object.assign(writeTar(entries(), { mode: 'fresh' }), { byteLength });
}

const BLOCK = 512;
/** writeTar's default trailer: two zero blocks. */
const END_OF_ARCHIVE = 2 * BLOCK;
const paddingOf = (size: number) => (BLOCK - (size % BLOCK)) % BLOCK;
const headerLength = (entry: TarEntry) => freshHeaderBlocks(entry).reduce((n, b) => n + b.byteLength, 0);

export { parseReference };
