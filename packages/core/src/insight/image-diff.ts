import type { LayerTable } from './layer-table.js';
import { type ChangeKind, type FileFacts, LayerStack, differences } from './layer-stack.js';

/** The union view after the first `depth` layers of a stack: path -> facts (root left out). */
export function viewAt(tables: readonly LayerTable[], depth = tables.length): Map<string, FileFacts> {
  const stack = new LayerStack(tables.slice(0, depth));
  for (let k = 0; k < depth; k++) stack.applyNext();
  const view = new Map<string, FileFacts>();
  for (const id of stack.presentIds()) {
    const { change: _change, ...facts } = stack.facts(id);
    view.set(stack.paths[id], facts);
  }
  return view;
}

/** One path that differs between two views. */
export interface ViewDifference {
  path: string;
  change: ChangeKind;
  before?: FileFacts;
  after?: FileFacts;
  what?: string[];
}

/** The file-level difference from view `a` to view `b` (two images, or one image at two layers), sorted by path. */
export function diffViews(a: ReadonlyMap<string, FileFacts>, b: ReadonlyMap<string, FileFacts>): ViewDifference[] {
  const out: ViewDifference[] = [];
  for (const [path, before] of a) {
    const after = b.get(path);
    if (!after) out.push({ path, change: 'removed', before });
    else {
      const what = differences(before, after);
      if (what.length) out.push({ path, change: 'modified', before, after, what });
    }
  }
  for (const [path, after] of b) if (!a.has(path)) out.push({ path, change: 'added', after });
  return out.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
}
