import { type Digest, digestHex, sha256Of } from '../digest/index.js';
import { MediaType } from '../image/index.js';
import { type TarWriteEntry, decompressedStream, tarEntry, writeTar } from '../layer/index.js';
import { type Reference, familiarString, parseReference, referenceName } from '../reference/index.js';
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
export async function saveArchive(ctx: EngineContext, requests: SaveRequest[]): Promise<ReadableStream<Uint8Array>> {
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
  const dirs = ['blobs/', 'blobs/sha256/'];
  async function* entries(): AsyncGenerator<TarWriteEntry> {
    for (const d of dirs) yield { ...tarEntry({ path: d, type: 'directory', mtime }) };
    for (const item of plan) {
      if (item.bytes) {
        yield { ...tarEntry({ path: item.path, type: 'file', size: item.bytes.byteLength, mtime }), body: item.bytes };
      } else if (item.layer) {
        const raw = await content.read(item.layer.blob);
        const { stream } = await decompressedStream(raw, ctx.ports.codecs);
        yield { ...tarEntry({ path: item.path, type: 'file', size: item.layer.tarSize, mtime }), body: stream };
      }
    }
    const small: Array<[string, Uint8Array]> = [
      ['index.json', json({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: indexManifests })],
      ['manifest.json', json(manifestJson)],
      ['oci-layout', json({ imageLayoutVersion: '1.0.0' })],
    ];
    if (Object.keys(repositories).length) small.push(['repositories', json(repositories)]);
    for (const [path, bytes] of small) yield { ...tarEntry({ path, type: 'file', size: bytes.byteLength, mtime }), body: bytes };
  }
  return writeTar(entries(), { mode: 'fresh' });
}

export { parseReference };
