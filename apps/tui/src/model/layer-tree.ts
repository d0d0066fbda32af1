import type { ImageInsightReport } from '@strata/core';

/** One line of the Layers tab's file tree. */
export interface TreeLine {
  path: string;
  /** Depth below `/` (0 for top-level entries). */
  depth: number;
  name: string;
  kind: string;
  size: number;
  change: 'added' | 'modified' | 'removed';
  /** Symlink or hard-link target. */
  link?: string;
  /** The layer whose change this is. */
  layer: number;
  /** In the aggregated tree: last changed by an earlier layer than the selected one (dive's unmodified). */
  unchanged?: boolean;
}

/**
 * The file tree of the Layers tab: the changes of the selected layer, or (aggregated) of every
 * layer up to it, each path with its latest change — so a file a later layer removed shows as
 * removed, in red, where dive shows it. Sorted as a tree (parents before children).
 */
export function layerTree(report: ImageInsightReport, layer: number, aggregated: boolean): TreeLine[] {
  const latest = new Map<string, TreeLine>();
  const from = aggregated ? 0 : layer;
  for (let i = from; i <= layer && i < report.layers.length; i++) {
    for (const c of report.layers[i].changes) {
      const path = c.path.replace(/\/+$/, '');
      const segments = path.split('/').filter((s) => s !== '');
      const line: TreeLine = { path, depth: Math.max(0, segments.length - 1), name: segments[segments.length - 1] ?? '/', kind: c.kind, size: c.size, change: c.change, layer: i, ...(c.link ? { link: c.link } : {}) };
      if (aggregated && line.change === 'removed') {
        // What a layer removes takes everything below it, as the union view does.
        for (const key of [...latest.keys()]) if (key.startsWith(`${path}/`)) latest.delete(key);
      }
      latest.set(path, line);
    }
  }
  const lines = [...latest.values()];
  // The aggregated tree is the image's filesystem at the selected layer: what earlier layers
  // removed is gone from it, what they left is unchanged here.
  const shown = aggregated ? lines.filter((l) => l.layer === layer || l.change !== 'removed').map((l) => (l.layer < layer ? { ...l, unchanged: true } : l)) : lines;
  return shown.sort((a, b) => treeOrder(a.path, b.path));
}

/** Orders paths as a tree: component by component, so `a/b` comes right after `a`, before `a-b`. */
function treeOrder(a: string, b: string): number {
  const x = a.split('/');
  const y = b.split('/');
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
  }
  return x.length - y.length;
}
