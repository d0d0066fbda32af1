// skopeo (containers/image) must read what FsContentStore writes: the proof that our store is a real OCI layout.
import { execFile } from 'node:child_process';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OciIndex } from '@strata/core';
import { fixtureLayoutDir, makeTempDir, removeTempDir, sha256Hex } from '../testing/fixture-files.js';
import { openDataRoot, type DataRoot } from '../data-root.js';

const SKOPEO = '/usr/bin/skopeo';
const run = promisify(execFile);

interface Manifest {
  config: { digest: string; size: number };
  layers: Array<{ digest: string; size: number }>;
}

async function skopeoInspect(layoutDir: string, ref: string, raw: boolean): Promise<string> {
  const args = ['inspect', ...(raw ? ['--raw'] : []), `oci:${layoutDir}:${ref}`];
  const { stdout } = await run(SKOPEO, args, { maxBuffer: 16 << 20 });
  return stdout;
}

describe.skipIf(!existsSync(SKOPEO))('skopeo reads an FsContentStore layout (skipped: /usr/bin/skopeo is not installed; apt-get install skopeo)', () => {
  let dir: string;
  let layout: string;
  let dataRoot: DataRoot | undefined;
  const fixtureIndex = JSON.parse(readFileSync(join(fixtureLayoutDir, 'index.json'), 'utf8')) as OciIndex;

  beforeAll(async () => {
    dir = await makeTempDir('skopeo');
    // The real product path: a data root, whose content/ is the layout.
    dataRoot = await openDataRoot(join(dir, 'strata'));
    layout = join(dataRoot.root, 'content');
    const store = dataRoot.content;
    // Every blob goes through write() as a stream from its file, verified against its descriptor.
    for (const m of fixtureIndex.manifests) {
      const manifestPath = blobPath(m.digest);
      const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as Manifest;
      for (const d of [{ digest: m.digest, size: m.size }, manifest.config, ...manifest.layers] as Array<{ digest: string; size?: number }>) {
        const source = Readable.toWeb(createReadStream(blobPath(d.digest))) as ReadableStream<Uint8Array>;
        await store.write(source, { digest: d.digest, size: d.size });
      }
    }
    const busybox = fixtureIndex.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === '07-metadata')!;
    await store.writeIndex({
      schemaVersion: 2,
      manifests: [
        ...fixtureIndex.manifests,
        { ...busybox, annotations: { 'org.opencontainers.image.ref.name': 'docker.io/library/busybox:local' } },
      ],
    });
  });
  afterAll(async () => {
    await dataRoot?.close();
    if (dir) await removeTempDir(dir);
  });

  for (const ref of ['07-metadata', '02-whiteout']) {
    it(`inspects ${ref}: raw manifest bytes, digest and layers`, async () => {
      const entry = fixtureIndex.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === ref)!;
      const manifestText = await readFile(blobPath(entry.digest), 'utf8');
      const manifest = JSON.parse(manifestText) as Manifest;

      expect(await skopeoInspect(layout, ref, true)).toBe(manifestText);

      const inspected = JSON.parse(await skopeoInspect(layout, ref, false)) as { Digest: string; Layers: string[]; Os: string };
      expect(inspected.Digest).toBe(entry.digest);
      expect(inspected.Layers).toEqual(manifest.layers.map((l) => l.digest));
      expect(inspected.Os).toBe('linux');
    });
  }

  it('copies every blob out (skopeo verifies each digest while copying)', async () => {
    const entry = fixtureIndex.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === '02-whiteout')!;
    const manifest = JSON.parse(await readFile(blobPath(entry.digest), 'utf8')) as Manifest;
    const out = join(dir, 'copied');
    await run(SKOPEO, ['copy', '--quiet', `oci:${layout}:02-whiteout`, `dir:${out}`], { maxBuffer: 16 << 20 });
    for (const layer of manifest.layers) {
      const copied = await readFile(join(out, layer.digest.slice('sha256:'.length)));
      expect(copied.byteLength).toBe(layer.size);
      expect(`sha256:${sha256Hex(copied)}`).toBe(layer.digest);
    }
  });

  it('finds a full reference with a colon as ref name (oci:<dir>:docker.io/library/busybox:local)', async () => {
    const entry = fixtureIndex.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === '07-metadata')!;
    const inspected = JSON.parse(await skopeoInspect(layout, 'docker.io/library/busybox:local', false)) as { Digest: string };
    expect(inspected.Digest).toBe(entry.digest);
    // skopeo splits `oci:` at the first colon only, so the rest (colons included) is the ref name.
    await expect(skopeoInspect(layout, 'docker.io/library/busybox:nope', false)).rejects.toThrow(/no descriptor found for reference/);
  });
});

function blobPath(digest: string): string {
  return join(fixtureLayoutDir, 'blobs', 'sha256', digest.slice('sha256:'.length));
}
