import type { LayerTable } from './layer-table.js';
import { NONE, NameKind, PathIndex, ROOT } from './path-index.js';

/** One path dive saw in more than one layer. */
export interface DiveInefficiency {
  /** Absolute, as dive prints it (`/data/keep.txt`). */
  path: string;
  /** Layers whose tree had this path as a leaf (dive's `len(Nodes)`). */
  count: number;
  /** Sum of the sizes dive counted for it: dive's wasted bytes for this path. */
  cumulativeSize: number;
}

/** Dive's figures (`dive --ci`), computed the way dive computes them. */
export interface DiveFigures {
  efficiency: number;
  sizeBytes: number;
  userSizeBytes: number;
  wastedBytes: number;
  /** wastedBytes / userSizeBytes (null where dive would divide by zero). */
  wastedUserPercent: number | null;
  /** Largest first (dive's CI report order). */
  inefficiencies: DiveInefficiency[];
}

const DOUBLE_WHITEOUT = '.wh..wh..';

/** Go's byte-wise string order (sort.Strings), which fixes dive's visiting order. */
const byteOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Dive's child-first, name-sorted walk puts leaves in component-wise path order. */
function divePathOrder(a: string, b: string): number {
  const x = a.split('/');
  const y = b.split('/');
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return byteOrder(x[i], y[i]);
  return x.length - y.length;
}

/** Dive's FileSize of a layer: the size fields of every entry but the root. */
function treeFileSize(t: LayerTable): number {
  let n = 0;
  for (let i = 0; i < t.paths.length; i++) if (t.paths[i] !== '.') n += t.sizes[i];
  return n;
}

/**
 * Dive's efficiency score and wasted bytes (filetree.Efficiency and image.Analyze), with its
 * quirks kept so `.dive-ci` thresholds mean the same: only leaves of each layer's tree count;
 * a whiteout counts the size of what it hides only when that was a directory (a deleted file
 * counts 0, so its whole size becomes waste); opaque markers are ignored; a whiteout of a path
 * that is not below stops dive's walk of that layer; user size is every layer but the first.
 * Dive's trees are kept as columns over interned paths (dive itself builds a tree per layer and
 * re-stacks them for every whiteout, which is where its minutes go on big images).
 */
export function diveFigures(tables: readonly LayerTable[], index = new PathIndex()): DiveFigures {
  const entryIds = tables.map((t) => index.entryIds(t));
  const n = index.size;
  // This layer's tree: member = layer index when the path is a node of it.
  const member = new Int32Array(n).fill(NONE);
  const hasChild = new Int32Array(n).fill(NONE);
  const size = new Float64Array(n);
  const isDir = new Uint8Array(n);
  // The stack of the layers below (dive's StackTreeRange).
  const below = new Uint8Array(n);
  const belowSize = new Float64Array(n);
  const belowDir = new Uint8Array(n);
  // Efficiency data per path (dive's efficiencyMap).
  const count = new Int32Array(n);
  const cumulative = new Float64Array(n);
  const minimum = new Float64Array(n);
  const whiteout = (id: number) => index.nameKind(id) !== NameKind.plain;
  // Dive's trees have no node for the root: its children hang from nothing.
  const parentOf = (id: number) => {
    const p = index.parent(id);
    return p === ROOT ? NONE : p;
  };
  const record = (id: number, bytes: number) => {
    if (count[id] === 0 || bytes < minimum[id]) minimum[id] = bytes;
    count[id]++;
    cumulative[id] += bytes;
  };
  const sumBelow = (id: number, inLayer: number): number => {
    let sum = 0;
    const stack = [id];
    while (stack.length) {
      const x = stack.pop()!;
      const there = inLayer === NONE ? below[x] === 1 : member[x] === inLayer;
      if (!there) continue;
      sum += inLayer === NONE ? belowSize[x] : size[x];
      for (let c = index.firstChild(x); c !== NONE; c = index.nextSibling(c)) stack.push(c);
    }
    return sum;
  };
  const chain: number[] = [];
  tables.forEach((t, k) => {
    const ids = entryIds[k];
    const members: number[] = [];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (id === ROOT) continue;
      // dive's AddPath: parents are created as needed, but never one named .wh..wh..*
      chain.length = 0;
      for (let p = id; p !== NONE && member[p] !== k; p = parentOf(p)) chain.push(p);
      let added = true;
      for (let j = chain.length - 1; j >= 0; j--) {
        const c = chain[j];
        if (index.nameKind(c) !== NameKind.plain && index.paths[c].startsWith(DOUBLE_WHITEOUT, index.paths[c].lastIndexOf('/') + 1)) {
          added = false;
          break;
        }
        member[c] = k;
        size[c] = 0;
        isDir[c] = 0;
        members.push(c);
      }
      if (added) {
        size[id] = t.sizes[i];
        isDir[id] = t.kinds[i] === 'd' ? 1 : 0;
      }
    }
    for (const m of members) {
      const p = parentOf(m);
      if (p !== NONE) hasChild[p] = k;
    }
    // Whiteouts look up what they hide in the stack below (for the first layer, in itself).
    const hidden = (target: number | undefined): number | undefined => {
      if (target === undefined) return undefined;
      if (k === 0) return member[target] === 0 ? (isDir[target] ? sumBelow(target, 0) : 0) : undefined;
      return below[target] ? (belowDir[target] ? sumBelow(target, NONE) : 0) : undefined;
    };
    const countedKey: number[] = [];
    const countedBytes: number[] = [];
    const countedFrom: number[] = [];
    let stopAt: string | undefined;
    for (const m of members) {
      if (hasChild[m] === k) continue;
      if (!whiteout(m)) {
        countedKey.push(m);
        countedBytes.push(size[m]);
        countedFrom.push(m);
        continue;
      }
      const target = index.whiteoutTargetId(m);
      const bytes = hidden(target);
      if (bytes !== undefined) {
        countedKey.push(target!);
        countedBytes.push(bytes);
        countedFrom.push(m);
      } else if (stopAt === undefined || divePathOrder(index.paths[m], stopAt) < 0) stopAt = index.paths[m];
    }
    for (let c = 0; c < countedKey.length; c++) {
      if (stopAt === undefined || divePathOrder(index.paths[countedFrom[c]], stopAt) < 0) record(countedKey[c], countedBytes[c]);
    }
    // dive's Stack: whiteouts remove from below, every node of this layer overwrites.
    for (const m of members) {
      if (!whiteout(m)) continue;
      const target = index.whiteoutTargetId(m);
      if (target === undefined) continue;
      const stack = [target];
      while (stack.length) {
        const x = stack.pop()!;
        if (!below[x]) continue;
        below[x] = 0;
        for (let c = index.firstChild(x); c !== NONE; c = index.nextSibling(c)) stack.push(c);
      }
    }
    for (const m of members) {
      if (whiteout(m)) continue;
      below[m] = 1;
      belowSize[m] = size[m];
      belowDir[m] = isDir[m];
    }
  });
  let minimumSum = 0;
  let discovered = 0;
  const inefficiencies: DiveInefficiency[] = [];
  let wastedBytes = 0;
  for (let id = 0; id < n; id++) {
    if (count[id] === 0) continue;
    minimumSum += minimum[id];
    discovered += cumulative[id];
    if (count[id] >= 2) {
      inefficiencies.push({ path: `/${index.paths[id]}`, count: count[id], cumulativeSize: cumulative[id] });
      wastedBytes += cumulative[id];
    }
  }
  inefficiencies.sort((a, b) => b.cumulativeSize - a.cumulativeSize || byteOrder(a.path, b.path));
  const sizes = tables.map(treeFileSize);
  const sizeBytes = sizes.reduce((a, b) => a + b, 0);
  const userSizeBytes = sizeBytes - (sizes[0] ?? 0);
  return {
    efficiency: discovered === 0 ? 1 : minimumSum / discovered,
    sizeBytes,
    userSizeBytes,
    wastedBytes,
    wastedUserPercent: userSizeBytes === 0 ? null : wastedBytes / userSizeBytes,
    inefficiencies,
  };
}
