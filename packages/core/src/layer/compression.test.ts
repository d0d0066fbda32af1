import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { collect, fixturesDir, nodeHasher, streamOf } from '../../test-support/node.js';
import { unavailable } from '../errors/index.js';
import type { Codecs } from '../engine/ports.js';
import { decompressedStream, diffId, sniffCompression } from './index.js';

/** gzip from Node's zlib; the other formats are absent, as on a platform without them. */
const nodeCodecs: Codecs = {
  decompress(kind) {
    if (kind !== 'gzip') throw unavailable(`no ${kind} decompressor`);
    return Duplex.toWeb(createGunzip()) as unknown as TransformStream<Uint8Array, Uint8Array>;
  },
};

const blobsDir = (layout: string) => join(fixturesDir, 'images', layout, 'blobs/sha256');
const blob = (layout: string, hex: string) => new Uint8Array(readFileSync(join(blobsDir(layout), hex)));
const layerDescriptors = (layout: string) => {
  const index = JSON.parse(readFileSync(join(fixturesDir, 'images', layout, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
  const json = <T>(digest: string) => JSON.parse(new TextDecoder().decode(blob(layout, digest.slice(7)))) as T;
  return index.manifests.flatMap((m) => {
    const manifest = json<{ config: { digest: string }; layers: Array<{ digest: string; mediaType: string }> }>(m.digest);
    const config = json<{ rootfs: { diff_ids: string[] } }>(manifest.config.digest);
    return manifest.layers.map((l, i) => ({ ...l, diffId: config.rootfs.diff_ids[i] }));
  });
};

/** The first bytes one at a time (the peek must gather them), then 64 KiB chunks. */
function trickle(bytes: Uint8Array): ReadableStream<Uint8Array> {
  const chunks: Uint8Array[] = [...bytes.subarray(0, 8)].map((b) => new Uint8Array([b]));
  for (let o = 8; o < bytes.length; o += 65536) chunks.push(bytes.subarray(o, o + 65536));
  return new ReadableStream<Uint8Array>({ pull: (c) => (chunks.length ? c.enqueue(chunks.shift()!) : c.close()) });
}

/** The same small tar compressed by the real command-line tools. */
const compressedBy = (tool: string, input: Uint8Array) => new Uint8Array(execFileSync(tool, ['-c'], { input }));

describe('compression sniffing', () => {
  const tar = new Uint8Array(readFileSync(join(fixturesDir, 'images/05-perms/context/capfile')));

  it.each([
    ['gzip', 'gzip'],
    ['zstd', 'zstd'],
    ['bzip2', 'bzip2'],
    ['xz', 'xz'],
  ] as const)('recognises %s output', (tool, kind) => {
    expect(sniffCompression(compressedBy(tool, tar))).toBe(kind);
  });

  it('says none for a plain tar and for too few bytes', () => {
    const oneLayer = readdirSync(blobsDir('oci-layout-quirk-uncompressed'))[0];
    expect(sniffCompression(blob('oci-layout-quirk-uncompressed', oneLayer))).toBe('none');
    expect(sniffCompression(new Uint8Array([0x1f]))).toBe('none');
  });

  it('decompresses the skopeo gzip layers to their diffIDs, peeking across 1-byte chunks', async () => {
    const layers = layerDescriptors('oci-layout');
    expect(layers.length).toBeGreaterThan(0);
    for (const l of layers) {
      const { compression, stream } = await decompressedStream(trickle(blob('oci-layout', l.digest.slice(7))), nodeCodecs);
      expect(compression).toBe('gzip');
      expect(await diffId(stream, nodeHasher)).toBe(l.diffId);
    }
  });

  it('does not trust the media type: uncompressed blobs labelled +gzip pass through unchanged', async () => {
    const layers = layerDescriptors('oci-layout-quirk-uncompressed');
    expect(layers.every((l) => l.mediaType.endsWith('+gzip'))).toBe(true);
    for (const l of layers) {
      const { compression, stream } = await decompressedStream(trickle(blob('oci-layout-quirk-uncompressed', l.digest.slice(7))), nodeCodecs);
      expect(compression).toBe('none');
      expect(await diffId(stream, nodeHasher)).toBe(l.diffId);
      expect(l.diffId).toBe(l.digest);
    }
  });

  it('asks the codecs for the sniffed kind and passes their refusal on', async () => {
    await expect(decompressedStream(streamOf(compressedBy('xz', tar)), nodeCodecs)).rejects.toMatchObject({ kind: 'unavailable' });
    const { compression, stream } = await decompressedStream(streamOf(compressedBy('gzip', tar)), nodeCodecs);
    expect(compression).toBe('gzip');
    expect(await collect(stream)).toEqual(tar);
  });

  it('an empty blob is an empty stream', async () => {
    const { compression, stream } = await decompressedStream(streamOf(new Uint8Array(0)), nodeCodecs);
    expect(compression).toBe('none');
    expect((await collect(stream)).length).toBe(0);
  });
});
