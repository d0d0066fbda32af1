import { type Digest, type Hasher, digestHex, isSha256Digest, shortId } from '../digest/index.js';
import { invalid } from '../errors/index.js';
import { type ConfigBlob, archiveManifestSchema, indexSchema, isIndexMediaType, manifestSchema, parseImageConfig, parseJsonDocument } from '../image/index.js';
import { type LayerTable, tableOfLayer } from '../insight/index.js';
import { decompressedStream, readTar } from '../layer/index.js';
import { familiarString, parseNormalizedNamed } from '../reference/index.js';
import { type ImageInsightOptions, type ImageInsightReport, basePrefixLength, imageReport, layerSources } from './insight-report.js';
import { bytesStream } from './layer-ingest.js';
import type { Codecs } from './ports.js';

/** Members up to this size are kept as bytes (metadata, small layers); bigger ones are indexed as they stream by. */
const SMALL_MEMBER = 1 << 20;

type Member = { kind: 'bytes'; bytes: Uint8Array } | { kind: 'table'; table: LayerTable; size: number } | { kind: 'broken'; error: unknown };

function cleanMemberPath(name: string): string {
  const out: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length === 0) throw invalid(`invalid archive: entry ${JSON.stringify(name)} points outside the archive`);
      out.pop();
    } else out.push(part);
  }
  return out.join('/');
}

async function layerTableOf(body: ReadableStream<Uint8Array>, codecs: Codecs): Promise<LayerTable> {
  const { compression, stream } = await decompressedStream(body, codecs);
  if (compression === 'bzip2' || compression === 'xz') throw invalid(`unsupported layer compression: ${compression}`);
  return tableOfLayer(stream);
}

async function readMembers(archive: ReadableStream<Uint8Array>, codecs: Codecs): Promise<{ members: Map<string, Member>; links: Map<string, string> }> {
  const { stream } = await decompressedStream(archive, codecs);
  const members = new Map<string, Member>();
  const links = new Map<string, string>();
  let sawEntry = false;
  for await (const e of readTar(stream)) {
    if (e.type === 'pax-global') continue;
    sawEntry = true;
    const path = cleanMemberPath(e.path);
    if (e.type === 'symlink' || e.type === 'hardlink') {
      const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
      const target = e.type === 'hardlink' || e.linkname.startsWith('/') ? e.linkname : dir ? `${dir}/${e.linkname}` : e.linkname;
      links.set(path, cleanMemberPath(target));
      await e.body.cancel();
    } else if (e.type !== 'file' || path === '') {
      await e.body.cancel();
    } else if (e.size <= SMALL_MEMBER) {
      const parts: Uint8Array[] = [];
      for await (const c of e.body as unknown as AsyncIterable<Uint8Array>) parts.push(c);
      const bytes = new Uint8Array(e.size);
      let o = 0;
      for (const p of parts) (bytes.set(p.subarray(0, e.size - o), o), (o += p.byteLength));
      if (o !== e.size) throw invalid('unexpected EOF');
      members.set(path, { kind: 'bytes', bytes });
    } else {
      // A big member is a layer or nothing we need: index it now, keep the error for later.
      try {
        members.set(path, { kind: 'table', table: await layerTableOf(e.body, codecs), size: e.size });
      } catch (error) {
        members.set(path, { kind: 'broken', error });
        // The reader skips whatever the failed index left of the body.
        await e.body.cancel().catch(() => undefined);
      }
    }
  }
  if (!sawEntry) throw invalid('invalid archive: no entries');
  return { members, links };
}

/** One image found in an archive, with the tables of its layers. */
interface ArchiveImage {
  config: ConfigBlob;
  tags: string[];
  tables: LayerTable[];
  blobSizes: number[];
}

/**
 * Analyse every image of a `docker save` archive (or an OCI layout tar) without loading it:
 * layers are indexed as they stream by, nothing is written anywhere. The base of each image is
 * the longest other image of the same archive that its layers start with, else its first layer.
 */
export async function analyzeArchive(
  archive: ReadableStream<Uint8Array>,
  ports: { codecs: Codecs; hasher: Hasher },
  options: Omit<ImageInsightOptions, 'base'> = {},
): Promise<ImageInsightReport[]> {
  const { members, links } = await readMembers(archive, ports.codecs);
  const resolve = (path: string, what: string): { path: string; member: Member } => {
    let p = cleanMemberPath(path);
    for (let hops = 0; hops < 40; hops++) {
      const m = members.get(p);
      if (m) return { path: p, member: m };
      const next = links.get(p);
      if (next === undefined) break;
      p = next;
    }
    throw invalid(`invalid archive: ${what} ${JSON.stringify(path)}: no such file in the archive`);
  };
  const bytesAt = (path: string, what: string): Uint8Array => {
    const { member } = resolve(path, what);
    if (member.kind !== 'bytes') throw invalid(`invalid archive: ${what} ${JSON.stringify(path)} is too large`);
    return member.bytes;
  };
  const tableAt = async (path: string): Promise<{ table: LayerTable; size: number }> => {
    const { path: real, member } = resolve(path, 'layer');
    if (member.kind === 'broken') throw member.error;
    if (member.kind === 'table') return member;
    const table = await layerTableOf(bytesStream(member.bytes), ports.codecs);
    members.set(real, { kind: 'table', table, size: member.bytes.byteLength });
    return { table, size: member.bytes.byteLength };
  };
  const images: ArchiveImage[] = [];
  const addImage = async (config: ConfigBlob, layerPaths: string[], tags: string[]) => {
    const want = config.config.rootfs.diff_ids.length;
    if (want !== layerPaths.length) throw invalid(`invalid manifest, layers length mismatch: expected ${want}, got ${layerPaths.length}`);
    const layers = [];
    for (const p of layerPaths) layers.push(await tableAt(p));
    images.push({ config, tags, tables: layers.map((l) => l.table), blobSizes: layers.map((l) => l.size) });
  };
  const manifest = members.get('manifest.json');
  const index = members.get('index.json');
  if (manifest?.kind === 'bytes') {
    for (const entry of parseJsonDocument(archiveManifestSchema, manifest.bytes, 'manifest.json')) {
      const tags = (entry.RepoTags ?? []).map((t) => {
        try {
          return familiarString(parseNormalizedNamed(t));
        } catch {
          return t;
        }
      });
      await addImage(parseImageConfig(bytesAt(entry.Config, 'config'), ports.hasher), entry.Layers, tags);
    }
  } else if (index?.kind === 'bytes' && members.has('oci-layout')) {
    const blobPath = (d: Digest) => {
      if (!isSha256Digest(d)) throw invalid(`invalid archive: unsupported digest ${d}`);
      return `blobs/sha256/${digestHex(d)}`;
    };
    const visit = async (descs: { mediaType: string; digest: Digest; annotations?: Record<string, string> }[], depth: number): Promise<void> => {
      if (depth > 4) throw invalid('invalid archive: index nesting too deep');
      for (const d of descs) {
        if (isIndexMediaType(d.mediaType)) {
          await visit(parseJsonDocument(indexSchema, bytesAt(blobPath(d.digest), 'index'), 'index').manifests.slice(0, 1), depth + 1);
          continue;
        }
        const m = parseJsonDocument(manifestSchema, bytesAt(blobPath(d.digest), 'manifest'), 'manifest');
        const name = d.annotations?.['io.containerd.image.name'] ?? d.annotations?.['org.opencontainers.image.ref.name'];
        await addImage(
          parseImageConfig(bytesAt(blobPath(m.config.digest), 'config'), ports.hasher),
          m.layers.map((l) => blobPath(l.digest)),
          name ? [name] : [],
        );
      }
    };
    await visit(parseJsonDocument(indexSchema, index.bytes, 'index.json').manifests, 0);
  } else {
    throw invalid('invalid archive: it has neither manifest.json (docker save) nor index.json (OCI layout)');
  }
  if (images.length === 0) throw invalid('invalid archive: no images in it');
  return images.map((img) => {
    const diffIds = img.config.config.rootfs.diff_ids;
    let base: ArchiveImage | undefined;
    for (const other of images) {
      const n = basePrefixLength(diffIds, other.config.config.rootfs.diff_ids);
      if (n > (base?.tables.length ?? 0)) base = other;
    }
    const sources = layerSources(img.config.config, img.tables, img.blobSizes);
    return imageReport({ id: img.config.id, names: img.tags.length ? img.tags : [shortId(img.config.id)], config: img.config.config }, sources, {
      top: options.top,
      baseLayers: base ? base.tables.length : options.baseLayers,
      baseSource: base ? `image:${base.tags[0] ?? shortId(base.config.id)}` : options.baseLayers === undefined ? 'first-layer' : 'option',
    });
  });
}
