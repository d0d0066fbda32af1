import { describe, expect, it } from 'vitest';
import { tarEntry } from '../layer/index.js';
import { diveFigures } from './dive-efficiency.js';
import { LayerTableBuilder } from './layer-table.js';

const layer = (...entries: [string, number?][]) => {
  const b = new LayerTableBuilder();
  for (const [path, size] of entries) b.add(tarEntry({ path, type: path.endsWith('/') ? 'directory' : 'file', size: size ?? 0 }));
  return b.table(0);
};

describe('diveFigures keeps dive quirks', () => {
  it('stops counting a layer at a whiteout of a path that is not below (dive returns an error from its visitor)', () => {
    const d = diveFigures([layer(['a/'], ['a/x', 10]), layer(['a/'], ['a/x', 10], ['b/'], ['b/.wh.ghost'], ['c/'], ['c/y', 5])]);
    // Layer 1 in dive's order: a/x, then b/.wh.ghost fails; c/y is never seen.
    expect(d.inefficiencies).toEqual([{ path: '/a/x', count: 2, cumulativeSize: 20 }]);
    expect(d.efficiency).toBe(10 / 20);
    expect(d.wastedBytes).toBe(20);
    expect(d.userSizeBytes).toBe(15);
  });

  it('ignores opaque markers and counts an emptied directory only by its whiteouts', () => {
    const d = diveFigures([layer(['d/'], ['d/old', 7]), layer(['d/'], ['d/.wh..wh..opq'], ['d/new', 3])]);
    expect(d.inefficiencies).toEqual([]);
    expect(d.efficiency).toBe(1);
    expect(d.sizeBytes).toBe(10);
  });
});
