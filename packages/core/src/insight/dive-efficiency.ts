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

interface DiveNode {
  name: string;
  parent: DiveNode | undefined;
  children: Map<string, DiveNode>;
  size: number;
  isDir: boolean;
}

const DOUBLE_WHITEOUT = '.wh..wh..';
const WHITEOUT = '.wh.';

const newNode = (name: string, parent: DiveNode | undefined): DiveNode => ({ name, parent, children: new Map(), size: 0, isDir: false });

/** Go's byte-wise string order (sort.Strings), which fixes dive's visiting order. */
const byteOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Dive's tree of one layer: every entry but the root, opaque markers and AUFS names dropped, parents implicit. */
function layerTree(t: LayerTable): DiveNode {
  const root = newNode('', undefined);
  for (let i = 0; i < t.paths.length; i++) {
    const path = t.paths[i];
    if (path === '.') continue;
    let node = root;
    const names = path.split('/');
    for (let j = 0; j < names.length; j++) {
      let next = node.children.get(names[j]);
      if (!next) {
        // dive: "don't add paths that should be deleted"
        if (names[j].startsWith(DOUBLE_WHITEOUT)) break;
        next = newNode(names[j], node);
        node.children.set(names[j], next);
      }
      node = next;
      if (j === names.length - 1) {
        node.size = t.sizes[i];
        node.isDir = t.kinds[i] === 'd';
      }
    }
  }
  return root;
}

/** Dive's FileSize of a layer: the size fields of every entry but the root. */
function treeFileSize(t: LayerTable): number {
  let n = 0;
  for (let i = 0; i < t.paths.length; i++) if (t.paths[i] !== '.') n += t.sizes[i];
  return n;
}

function pathOf(node: DiveNode): string {
  const names: string[] = [];
  for (let n: DiveNode | undefined = node; n?.parent; n = n.parent) names.push(n === node && n.name.startsWith(WHITEOUT) ? n.name.slice(WHITEOUT.length) : n.name);
  return `/${names.reverse().join('/')}`;
}

/** Children first, names in byte order, root never visited: dive's VisitDepthChildFirst. */
function visitChildFirst(node: DiveNode, visit: (n: DiveNode) => boolean): boolean {
  for (const name of [...node.children.keys()].sort(byteOrder)) {
    if (!visitChildFirst(node.children.get(name)!, visit)) return false;
  }
  return node.parent === undefined ? true : visit(node);
}

function find(root: DiveNode, path: string): DiveNode | undefined {
  let node: DiveNode | undefined = root;
  for (const name of path.split('/')) {
    if (name === '') continue;
    node = node.children.get(name);
    if (!node) return undefined;
  }
  return node;
}

/** dive's Stack: the upper tree's nodes (implicit ones too) overwrite, its whiteouts remove. */
function stack(lower: DiveNode, upper: DiveNode): void {
  visitChildFirst(upper, (n) => {
    const path = pathOf(n);
    if (n.name.startsWith(WHITEOUT)) {
      const gone = find(lower, path);
      if (gone?.parent) gone.parent.children.delete(gone.name);
      return true;
    }
    let node = lower;
    for (const name of path.split('/').filter(Boolean)) {
      let next = node.children.get(name);
      if (!next) {
        if (name.startsWith(DOUBLE_WHITEOUT)) return true;
        next = newNode(name, node);
        node.children.set(name, next);
      }
      node = next;
    }
    node.size = n.size;
    node.isDir = n.isDir;
    return true;
  });
}

function subtreeSize(node: DiveNode): number {
  let n = node.size;
  for (const c of node.children.values()) n += subtreeSize(c);
  return n;
}

/**
 * Dive's efficiency score and wasted bytes (filetree.Efficiency and image.Analyze), with its
 * quirks kept so `.dive-ci` thresholds mean the same: only leaves of each layer's tree count;
 * a whiteout counts the size of what it hides only when that was a directory (a deleted file
 * counts 0, so its whole size becomes waste); opaque markers are ignored; a whiteout of a path
 * that is not below stops dive's walk of that layer; user size is every layer but the first.
 */
export function diveFigures(tables: readonly LayerTable[]): DiveFigures {
  const byPath = new Map<string, { count: number; cumulative: number; min: number }>();
  const trees = tables.map(layerTree);
  const below = newNode('', undefined);
  trees.forEach((tree, k) => {
    // For the first layer dive looks whiteouts up in that layer's own tree.
    const lookup = k === 0 ? tree : below;
    visitChildFirst(tree, (n) => {
      if (n.children.size > 0) return true;
      let size = n.size;
      if (n.name.startsWith(WHITEOUT)) {
        const hidden = find(lookup, pathOf(n));
        if (!hidden) return false;
        size = hidden.isDir ? subtreeSize(hidden) : 0;
      }
      const path = pathOf(n);
      const d = byPath.get(path);
      if (!d) byPath.set(path, { count: 1, cumulative: size, min: size });
      else {
        d.count++;
        d.cumulative += size;
        if (size < d.min) d.min = size;
      }
      return true;
    });
    stack(below, tree);
  });
  let minimum = 0;
  let discovered = 0;
  const inefficiencies: DiveInefficiency[] = [];
  let wastedBytes = 0;
  for (const [path, d] of byPath) {
    minimum += d.min;
    discovered += d.cumulative;
    if (d.count >= 2) {
      inefficiencies.push({ path, count: d.count, cumulativeSize: d.cumulative });
      wastedBytes += d.cumulative;
    }
  }
  inefficiencies.sort((a, b) => b.cumulativeSize - a.cumulativeSize || byteOrder(a.path, b.path));
  const sizes = tables.map(treeFileSize);
  const sizeBytes = sizes.reduce((a, b) => a + b, 0);
  const userSizeBytes = sizeBytes - (sizes[0] ?? 0);
  return {
    efficiency: discovered === 0 ? 1 : minimum / discovered,
    sizeBytes,
    userSizeBytes,
    wastedBytes,
    wastedUserPercent: userSizeBytes === 0 ? null : wastedBytes / userSizeBytes,
    inefficiencies,
  };
}
