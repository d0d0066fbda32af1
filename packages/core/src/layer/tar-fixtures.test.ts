import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { collect, fixtureImages, fixturesDir, nodeHasher, readFixture, streamOf } from '../../test-support/node.js';
import { sha256Of, type Digest } from '../digest/index.js';
import { chainIds, decompressedStream, readTar, writeTar, type TarEntry } from './index.js';

const gunzipCodecs = { decompress: () => new DecompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array> };

/** Every `<v1id>/layer.tar` of a docker-save archive, decoded with our own reader. */
async function layerTars(image: string): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  for await (const e of readTar(streamOf(readFixture(`images/${image}/image.tar`)))) {
    if (e.path.endsWith('/layer.tar')) out.set(e.path, await collect(e.body));
  }
  return out;
}

/** Decode a tar in chunks of `chunk` bytes, then raw-encode what came out (bodies streamed through). */
async function roundTrip(tar: Uint8Array, chunk: number): Promise<{ bytes: Uint8Array; entries: TarEntry[] }> {
  const reader = readTar(streamOf(tar, chunk));
  const entries: TarEntry[] = [];
  async function* tap() {
    for await (const e of reader) {
      entries.push(e);
      yield e;
    }
  }
  const bytes = await collect(writeTar(tap(), { mode: 'raw', trailer: () => reader.trailer }));
  return { bytes, entries };
}

interface ListedEntry {
  type: string;
  modeString: string;
  rawMode: string;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  size: number;
  mtime: string;
  path: string;
  link?: string;
  dev?: [number, number];
  pax?: Record<string, Uint8Array>;
}
interface ListedLayer {
  path: string;
  diffId: string;
  count: number;
  bytes: number;
  gnu: boolean;
  trailingZeros: number;
  entries: ListedEntry[];
}

/** Python's surrogateescape'd str (as json.dumps printed it) back to the raw bytes. */
function pythonBytes(s: string): Uint8Array {
  const out: number[] = [];
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (c >= 0xdc80 && c <= 0xdcff) out.push(c - 0xdc00);
    else out.push(...new TextEncoder().encode(ch));
  }
  return new Uint8Array(out);
}

const ENTRY_RE = /^ {2}(\S+)\s+(\S{10}) mode-field=(\d+) (\d+):(\d+) uname='(.*?)' gname='(.*?)' size=(\d+)\s+mtime=(\S+) (.*)$/;

/** Parse a fixture's layers.txt (written by tools/analyze.py). */
function parseLayersTxt(image: string): ListedLayer[] {
  const layers: ListedLayer[] = [];
  for (const line of readFileSync(join(fixturesDir, 'images', image, 'layers.txt'), 'utf8').split('\n')) {
    const head = /^=== layer \d+: (\S+)\s+diffID=(\S+)\s+\((\d+) entries, (\d+) bytes\)/.exec(line);
    if (head) {
      layers.push({ path: head[1], diffId: head[2], count: +head[3], bytes: +head[4], gnu: false, trailingZeros: -1, entries: [] });
      continue;
    }
    const layer = layers.at(-1);
    const magic = /header magic of first entry: .*\((GNU|POSIX ustar\/PAX)\); (\d+) zero bytes after the last entry/.exec(line);
    if (layer && magic) {
      layer.gnu = magic[1] === 'GNU';
      layer.trailingZeros = +magic[2];
      continue;
    }
    const pax = /^ {11}pax: (.*)$/.exec(line);
    if (layer && pax) {
      const json = JSON.parse(pax[1]) as Record<string, string>;
      layer.entries.at(-1)!.pax = Object.fromEntries(Object.entries(json).map(([k, v]) => [k, pythonBytes(v)]));
      continue;
    }
    const m = ENTRY_RE.exec(line);
    if (!layer || !m) continue;
    let rest = m[10].split('  <-- ')[0];
    const entry: ListedEntry = {
      type: m[1], modeString: m[2], rawMode: m[3], uid: +m[4], gid: +m[5], uname: m[6], gname: m[7], size: +m[8], mtime: m[9], path: rest,
    };
    const hard = rest.split(' => hardlink to ');
    const sym = rest.split(' -> ');
    const dev = /^(.*) dev (\d+),(\d+)$/.exec(rest);
    if (entry.type === 'hardlink') [rest, entry.link] = hard;
    else if (entry.type === 'symlink') [rest, entry.link] = [sym[0], sym.slice(1).join(' -> ')];
    else if (dev) [rest, entry.dev] = [dev[1], [+dev[2], +dev[3]]];
    entry.path = rest.replace(/ \(from PAX path record\)$/, '');
    layer.entries.push(entry);
  }
  return layers;
}

const listedType: Record<string, TarEntry['type']> = {
  file: 'file', dir: 'directory', symlink: 'symlink', hardlink: 'hardlink', chardev: 'char', blockdev: 'block', fifo: 'fifo',
};

/** `ls -l` style mode string, as Python's stat.filemode prints it. */
function modeString(e: TarEntry): string {
  const kind = { directory: 'd', symlink: 'l', char: 'c', block: 'b', fifo: 'p' }[e.type as string] ?? '-';
  const m = e.mode;
  const triple = (shift: number, special: number, on: string, off: string) =>
    (m >> shift & 4 ? 'r' : '-') + (m >> shift & 2 ? 'w' : '-') + (m & special ? (m >> shift & 1 ? on : off) : m >> shift & 1 ? 'x' : '-');
  return kind + triple(6, 0o4000, 's', 'S') + triple(3, 0o2000, 's', 'S') + triple(0, 0o1000, 't', 'T');
}

const isoSeconds = (t: number) => new Date(t * 1000).toISOString().replace('.000Z', 'Z');
const digestsOf = (image: string) =>
  JSON.parse(readFileSync(join(fixturesDir, 'images', image, 'digests.json'), 'utf8')).images[0] as { diff_ids: Digest[]; chainIDs: Digest[] };

describe.each(fixtureImages)('fixture %s', (image) => {
  it('every layer decodes to the headers layers.txt lists and raw-encodes to the same bytes (diffID)', async () => {
    const tars = await layerTars(image);
    const listed = parseLayersTxt(image);
    expect(listed.length).toBeGreaterThan(0);
    expect([...tars.keys()].sort()).toEqual(listed.map((l) => l.path).sort());
    for (const layer of listed) {
      const tar = tars.get(layer.path)!;
      expect(tar.length).toBe(layer.bytes);
      expect(sha256Of(nodeHasher, tar)).toBe(layer.diffId);
      for (const chunk of tar.length < 100_000 ? [1, 511, 65536] : [511, 65536]) {
        const { bytes, entries } = await roundTrip(tar, chunk);
        expect(sha256Of(nodeHasher, bytes)).toBe(layer.diffId);
        expect(bytes.length).toBe(tar.length);
        expect(entries.length).toBe(layer.count);
        expect(entries.length).toBe(layer.entries.length);
        expect(entries[0].format).toBe(layer.gnu ? 'gnu' : 'ustar');
        entries.forEach((e, i) => {
          const want = layer.entries[i];
          expect({
            path: e.path, type: e.type, modeString: modeString(e), rawMode: e.rawMode, uid: e.uid, gid: e.gid,
            uname: e.uname, gname: e.gname, size: e.size, mtime: isoSeconds(e.mtime),
            link: e.type === 'hardlink' || e.type === 'symlink' ? e.linkname : undefined,
            dev: e.type === 'char' || e.type === 'block' ? [e.devmajor, e.devminor] : undefined,
            pax: Object.keys(e.pax).length > 0 ? e.pax : undefined,
          }).toEqual({
            path: want.path, type: listedType[want.type], modeString: want.modeString, rawMode: parseInt(want.rawMode, 8),
            uid: want.uid, gid: want.gid, uname: want.uname, gname: want.gname, size: want.size, mtime: want.mtime,
            link: want.link, dev: want.dev, pax: want.pax,
          });
        });
      }
      const reader = readTar(streamOf(tar));
      let last: TarEntry | undefined;
      for await (const e of reader) {
        last = e;
        await e.body.cancel();
      }
      // analyze.py counts the last file's padding as part of the entry, as our raw.padding does.
      expect(reader.trailer!.length).toBe(layer.trailingZeros);
      expect(reader.trailer!.every((b) => b === 0)).toBe(true);
      expect(last).toBeDefined();
    }
  });

  it('diffIDs of the layer tars and their chainIDs equal digests.json', async () => {
    const want = digestsOf(image);
    const manifest = JSON.parse(new TextDecoder().decode(
      await (async () => {
        for await (const e of readTar(streamOf(readFixture(`images/${image}/image.tar`)))) {
          if (e.path === 'manifest.json') return collect(e.body);
        }
        throw new Error('no manifest.json');
      })(),
    )) as Array<{ Layers: string[] }>;
    const tars = await layerTars(image);
    const diffIds = manifest[0].Layers.map((p) => sha256Of(nodeHasher, tars.get(p)!));
    expect(diffIds).toEqual(want.diff_ids);
    expect(chainIds(diffIds, nodeHasher)).toEqual(want.chainIDs);
  });
});

describe('oci-layout fixture (skopeo, gzip layers)', () => {
  const dir = join(fixturesDir, 'images/oci-layout');
  const blob = (d: string) => new Uint8Array(readFileSync(join(dir, 'blobs/sha256', d.replace('sha256:', ''))));
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };

  it('every gzip layer decompresses to its config diffID and raw-encodes to the same bytes', async () => {
    const layers = new Set<string>();
    for (const m of index.manifests) {
      const manifest = JSON.parse(new TextDecoder().decode(blob(m.digest))) as { config: { digest: string }; layers: Array<{ digest: string }> };
      const config = JSON.parse(new TextDecoder().decode(blob(manifest.config.digest))) as { rootfs: { diff_ids: Digest[] } };
      for (const [i, l] of manifest.layers.entries()) {
        const { compression, stream } = await decompressedStream(streamOf(blob(l.digest), 4096), gunzipCodecs);
        expect(compression).toBe('gzip');
        const tar = await collect(stream);
        expect(sha256Of(nodeHasher, tar)).toBe(config.rootfs.diff_ids[i]);
        const { bytes } = await roundTrip(tar, 65536);
        expect(sha256Of(nodeHasher, bytes)).toBe(config.rootfs.diff_ids[i]);
        layers.add(l.digest);
      }
    }
    expect(layers.size).toBe(readdirSync(join(dir, 'blobs/sha256')).length - 4);
  });
});
