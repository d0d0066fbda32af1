import type { LayerTable } from './layer-table.js';

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
const WHITEOUT = '.wh.';
const NONE = -1;

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
export function diveFigures(tables: readonly LayerTable[]): DiveFigures {
  const ids = new Map<string, number>();
  const paths: string[] = [];
  const names: string[] = [];
  const parents: number[] = [];
  const children: (number[] | undefined)[] = [];
  // This layer's tree: member = layer index when the path is a node of it.
  const member: number[] = [];
  const hasChild: number[] = [];
  const size: number[] = [];
  const isDir: boolean[] = [];
  // The stack of the layers below (dive's StackTreeRange).
  const below: boolean[] = [];
  const belowSize: number[] = [];
  const belowDir: boolean[] = [];
  // Efficiency data per path (dive's efficiencyMap).
  const count: number[] = [];
  const cumulative: number[] = [];
  const minimum: number[] = [];
  const intern = (path: string): number => {
    const hit = ids.get(path);
    if (hit !== undefined) return hit;
    const slash = path.lastIndexOf('/');
    const parent = slash < 0 ? NONE : intern(path.slice(0, slash));
    const id = paths.length;
    ids.set(path, id);
    paths.push(path);
    names.push(path.slice(slash + 1));
    parents.push(parent);
    children.push(undefined);
    member.push(NONE);
    hasChild.push(NONE);
    size.push(0);
    isDir.push(false);
    below.push(false);
    belowSize.push(0);
    belowDir.push(false);
    count.push(0);
    cumulative.push(0);
    minimum.push(0);
    if (parent !== NONE) (children[parent] ??= []).push(id);
    return id;
  };
  const record = (id: number, bytes: number) => {
    if (count[id] === 0 || bytes < minimum[id]) minimum[id] = bytes;
    count[id]++;
    cumulative[id] += bytes;
  };
  const sumBelow = (id: number, inLayer: number): number => {
    let n = 0;
    const stack = [id];
    while (stack.length) {
      const x = stack.pop()!;
      const there = inLayer === NONE ? below[x] : member[x] === inLayer;
      if (!there) continue;
      n += inLayer === NONE ? belowSize[x] : size[x];
      for (const c of children[x] ?? []) stack.push(c);
    }
    return n;
  };
  tables.forEach((t, k) => {
    const members: number[] = [];
    for (let i = 0; i < t.paths.length; i++) {
      if (t.paths[i] === '.') continue;
      const id = intern(t.paths[i]);
      // dive's AddPath: parents are created as needed, but never one named .wh..wh..*
      const chain: number[] = [];
      for (let p = id; p !== NONE && member[p] !== k; p = parents[p]) chain.push(p);
      let added = true;
      for (let j = chain.length - 1; j >= 0; j--) {
        const n = chain[j];
        if (names[n].startsWith(DOUBLE_WHITEOUT)) {
          added = false;
          break;
        }
        member[n] = k;
        size[n] = 0;
        isDir[n] = false;
        members.push(n);
      }
      if (added) {
        size[id] = t.sizes[i];
        isDir[id] = t.kinds[i] === 'd';
      }
    }
    for (const m of members) if (parents[m] !== NONE) hasChild[parents[m]] = k;
    const leaves = members.filter((m) => hasChild[m] !== k);
    // Whiteouts look up what they hide in the stack below (for the first layer, in itself).
    const hidden = (m: number): { bytes: number } | undefined => {
      const slash = paths[m].lastIndexOf('/');
      const target = ids.get((slash < 0 ? '' : paths[m].slice(0, slash + 1)) + names[m].slice(WHITEOUT.length));
      if (target === undefined) return undefined;
      if (k === 0) return member[target] === 0 ? { bytes: isDir[target] ? sumBelow(target, 0) : 0 } : undefined;
      return below[target] ? { bytes: belowDir[target] ? sumBelow(target, NONE) : 0 } : undefined;
    };
    const counted: { key: number; bytes: number; path: string }[] = [];
    let stopAt: string | undefined;
    for (const m of leaves) {
      if (!names[m].startsWith(WHITEOUT)) {
        counted.push({ key: m, bytes: size[m], path: paths[m] });
        continue;
      }
      const h = hidden(m);
      const slash = paths[m].lastIndexOf('/');
      if (h) counted.push({ key: intern((slash < 0 ? '' : paths[m].slice(0, slash + 1)) + names[m].slice(WHITEOUT.length)), bytes: h.bytes, path: paths[m] });
      else if (stopAt === undefined || divePathOrder(paths[m], stopAt) < 0) stopAt = paths[m];
    }
    for (const c of counted) if (stopAt === undefined || divePathOrder(c.path, stopAt) < 0) record(c.key, c.bytes);
    // dive's Stack: whiteouts remove from below, every node of this layer overwrites.
    for (const m of members) {
      if (!names[m].startsWith(WHITEOUT)) continue;
      const slash = paths[m].lastIndexOf('/');
      const target = ids.get((slash < 0 ? '' : paths[m].slice(0, slash + 1)) + names[m].slice(WHITEOUT.length));
      if (target === undefined) continue;
      const stack = [target];
      while (stack.length) {
        const x = stack.pop()!;
        if (!below[x]) continue;
        below[x] = false;
        for (const c of children[x] ?? []) stack.push(c);
      }
    }
    for (const m of members) {
      if (names[m].startsWith(WHITEOUT)) continue;
      below[m] = true;
      belowSize[m] = size[m];
      belowDir[m] = isDir[m];
    }
  });
  let minimumSum = 0;
  let discovered = 0;
  const inefficiencies: DiveInefficiency[] = [];
  let wastedBytes = 0;
  for (let id = 0; id < paths.length; id++) {
    if (count[id] === 0) continue;
    minimumSum += minimum[id];
    discovered += cumulative[id];
    if (count[id] >= 2) {
      inefficiencies.push({ path: `/${paths[id]}`, count: count[id], cumulativeSize: cumulative[id] });
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
