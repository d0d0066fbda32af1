import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine, type ImageInsightReport } from '@strata/core';
import { memoryPorts } from '@strata/storage';
import { runLoad } from '../cli/load-command.js';
import { fixtureArchive } from '../testing/fixture-archive.js';
import { layerTree } from './layer-tree.js';
import { defaultLayerView, shownTree } from './layer-view.js';

// 02-whiteout: layer 1 creates /data/{keep.txt,remove-me.txt,subdir/...}; layer 2 removes
// /bin/httpd, remove-me.txt and the whole subdir.
let engine: Engine;
let report: ImageInsightReport;
beforeAll(async () => {
  engine = createEngine(memoryPorts());
  await runLoad(engine, fixtureArchive('02-whiteout'), () => {});
  report = await engine.analyzeImage('fixture/02-whiteout:v1');
});
afterAll(() => engine.close());

const rows = (lines: ReturnType<typeof shownTree>) => lines.map((l) => `${l.unchanged ? '=' : { added: '+', modified: '~', removed: '-' }[l.change]} ${l.label}`);

describe('the Layers tree', () => {
  it("aggregated, is the image's filesystem at the layer: removed directories take their children, the rest is unchanged", () => {
    const tree = shownTree(layerTree(report, 2, true), defaultLayerView);
    const shown = rows(tree);
    expect(shown).toContain('-   remove-me.txt');
    expect(shown).toContain('=   busybox');
    expect(shown).toContain('~ data');
    expect(tree.find((l) => l.path === 'data/subdir')?.change).toBe('removed');
    // What was under it goes with it, each listed as removed by this layer, as dive lists them.
    expect(tree.filter((l) => l.path.startsWith('data/subdir/')).map((l) => `${l.change} ${l.layer} ${l.path}`)).toEqual([
      'removed 2 data/subdir/a.txt',
      'removed 2 data/subdir/nested',
      'removed 2 data/subdir/nested/b.txt',
    ]);
    expect(tree.find((l) => l.path === 'data/keep.txt')).toMatchObject({ change: 'added', unchanged: true, layer: 1 });
    // At layer 1, the files are there and are what that layer added.
    const before = shownTree(layerTree(report, 1, true), defaultLayerView);
    expect(before.find((l) => l.path === 'data/subdir/nested/b.txt')).toMatchObject({ change: 'added', layer: 1 });
    expect(before.find((l) => l.path === 'data/subdir/nested/b.txt')?.unchanged).toBeUndefined();
  });

  it('hides the unchanged entries, leaving what the layer did', () => {
    const changed = shownTree(layerTree(report, 2, true), { ...defaultLayerView, hideUnchanged: true });
    expect(changed.map((l) => `${l.change} ${l.path}`)).toEqual(shownTree(layerTree(report, 2, false), defaultLayerView).map((l) => `${l.change} ${l.path}`));
    expect(changed.map((l) => `${l.change} ${l.path}`)).toEqual([
      'modified bin',
      'removed bin/httpd',
      'modified data',
      'removed data/remove-me.txt',
      'removed data/subdir',
      'removed data/subdir/a.txt',
      'removed data/subdir/nested',
      'removed data/subdir/nested/b.txt',
    ]);
  });

  it('filters by path words with full paths, and sorts largest first', () => {
    const found = shownTree(layerTree(report, 2, true), { ...defaultLayerView, filter: 'DATA keep' });
    expect(found.map((l) => l.label)).toEqual(['/data/keep.txt']);
    const bySize = shownTree(layerTree(report, 2, true), { ...defaultLayerView, sort: 'size' });
    expect(bySize[0]).toMatchObject({ label: '/bin/busybox', size: 1982256 });
    expect(bySize.map((l) => l.size)).toEqual([...bySize.map((l) => l.size)].sort((a, b) => b - a));
  });
});
