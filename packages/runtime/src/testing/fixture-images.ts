// Test-only: real `docker save` fixtures loaded into a real data root, their layers as the engine records them.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine, type ContainerRuntimeSpec, type LayerRecord } from '@strata/core';
import { openDataRoot, type DataRoot } from '@strata/storage';

export const fixturesDir = join(dirname(fileURLToPath(import.meta.url)), '../../../../../shared/fixtures');

export interface FixtureRoot {
  dir: string;
  dataRoot: DataRoot;
  /** The layers of each loaded image, bottom first, keyed by fixture name. */
  layers: Record<string, ContainerRuntimeSpec['layers']>;
  close(): Promise<void>;
}

/** A temp data root with the named fixture images loaded through the engine. */
export async function fixtureRoot(names: string[]): Promise<FixtureRoot> {
  const dir = await mkdtemp(join(tmpdir(), 'strata-runtime-'));
  const dataRoot = await openDataRoot(dir);
  const engine = createEngine(dataRoot.ports);
  const layers: FixtureRoot['layers'] = {};
  for (const name of names) {
    const bytes = new Uint8Array(readFileSync(join(fixturesDir, 'images', name, 'image.tar')));
    const { imageIds } = await engine.loadImages(new Blob([bytes]).stream());
    const image = await engine.inspectImage(imageIds[0]);
    layers[name] = [];
    for (const diffId of image.RootFS.Layers ?? []) {
      const record = (await dataRoot.metadata.list<LayerRecord>('layers')).find(([, r]) => r.diffId === diffId)?.[1];
      if (!record) throw new Error(`no layer record for ${diffId}`);
      layers[name].push({ diffId: record.diffId, blob: record.blob, mediaType: record.mediaType });
    }
  }
  return {
    dir,
    dataRoot,
    layers,
    async close() {
      await dataRoot.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
