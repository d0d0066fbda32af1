// Where the time of a first `strata analyze --json` goes, phase by phase, measured in this process
// with the same code the CLI runs (the built @strata/core and @strata/storage) on the bench's data root.
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { LayerStack, createEngine, decodeLayerTable, diveFigures, digestHex, documentOf, imageReport, layerSources, LAYER_INDEX_NAMESPACE } from '@strata/core';
import { openDataRoot } from '@strata/storage';

export interface Phase {
  name: string;
  ms: number;
  cpuMs: number;
}

async function timed<T>(phases: Phase[], name: string, work: () => Promise<T> | T): Promise<T> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const out = await work();
  const used = process.cpuUsage(cpu);
  phases.push({ name, ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000 });
  return out;
}

/** Each phase of the analysis of `image` in `dataRoot`, once (the kept analysis is neither read nor written). */
export async function analyzePhases(dataRoot: string, image: string, scratch: string): Promise<Phase[]> {
  const phases: Phase[] = [];
  const root = await timed(phases, 'store open (lock, layout check)', () => openDataRoot(dataRoot, { hashThread: false }));
  try {
    const engine = createEngine(root.ports);
    const inspect = await timed(phases, 'image resolve + config', () => engine.inspectImage(image));
    const diffIds = inspect.RootFS.Layers ?? [];
    const bytes = await timed(phases, 'index read (files)', () => Promise.all(diffIds.map((d) => root.metadata.getBytes(LAYER_INDEX_NAMESPACE, digestHex(d)))));
    const tables = await timed(phases, 'index decode', () => bytes.map((b, i) => {
      const t = b && decodeLayerTable(b);
      if (!t) throw new Error(`layer ${diffIds[i]} has no index recorded at load`);
      return t;
    }));
    await timed(phases, 'union replay (changes of every layer)', () => {
      const stack = new LayerStack(tables);
      for (let k = 0; k < tables.length; k++) stack.applyNext();
    });
    await timed(phases, "dive's figures", () => diveFigures(tables));
    const config = await root.ports.metadata.get<{ id: string }>('images', digestHex(inspect.Id));
    const report = await timed(phases, 'whole analysis (replay, dive, waste, largest)', async () => {
      const imageConfig = await root.content.readBytes(inspect.Id as `sha256:${string}`).then((b) => JSON.parse(new TextDecoder().decode(b)));
      return imageReport({ id: config?.id ?? inspect.Id, names: inspect.RepoTags, config: imageConfig }, layerSources(imageConfig, tables), { top: 10 });
    });
    const doc = await timed(phases, 'JSON serialisation (pieces, UTF-8)', () => documentOf(report, 10));
    await timed(phases, 'output write', async () => {
      const path = join(scratch, 'phases.json');
      const fh = await open(path, 'w');
      await fh.writev([...doc.json]);
      await fh.close();
      await rm(path);
    });
  } finally {
    await root.close();
  }
  return phases;
}
