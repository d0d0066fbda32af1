import { type DiveFigures, diveFigures } from './dive-efficiency.js';
import type { LayerTable } from './layer-table.js';
import { type FileChange, type FileFacts, LayerStack } from './layer-stack.js';
import { PathIndex } from './path-index.js';
import { type PathFlag, cacheRootOf, flagOf } from './path-flags.js';

/** A layer to analyse: its index and what the image config says about it. */
export interface LayerSource {
  diffId: string;
  table: LayerTable;
  /** `created_by` of the history entry that made it ('' when unknown). */
  command?: string;
  created?: string;
  /** Bytes of the stored blob (compressed size), when known. */
  blobSize?: number;
}

export interface AnalysisOptions {
  /** How many entries the "largest" lists keep (default 20). */
  top?: number;
  /** Layers that belong to the base image (default 1, dive's assumption). */
  baseLayers?: number;
  /** Where `baseLayers` came from, for the report (`first-layer`, `image:NAME`, `option`). */
  baseSource?: string;
}

/** One file shipped in a layer that the final image does not show. */
export interface WastedPath {
  path: string;
  /** Copies of the path shipped across layers (regular files only). */
  copies: number;
  /** Bytes of every copy. */
  shippedBytes: number;
  /** Bytes of the copy the final image shows (0 when it was deleted). */
  survivingBytes: number;
  /** shippedBytes - survivingBytes. */
  wastedBytes: number;
  /** Layers that shipped a copy. */
  layers: number[];
  deleted: boolean;
}

/** A secret-looking or cache file, wherever it was shipped. */
export interface FlaggedPath {
  path: string;
  flag: PathFlag;
  layer: number;
  size: number;
  /** Still visible in the final image (false: deleted later, but its bytes still ship). */
  visible: boolean;
  /** The cache directory it sits in, for caches. */
  cacheRoot?: string;
}

/** A path with a size, for the "largest" lists (directories carry the sum of their subtree). */
export interface SizedPath {
  path: string;
  kind: string;
  size: number;
  link?: string;
}

export interface LayerInsight {
  index: number;
  diffId: string;
  command: string;
  created?: string;
  /** Docker's layer size: regular file bytes plus symlink target lengths. */
  size: number;
  tarSize: number;
  blobSize?: number;
  entries: number;
  /** Belongs to the base image. */
  base: boolean;
  changes: FileChange[];
  counts: { added: number; modified: number; removed: number; unchanged: number };
  /** File bytes this layer added, replaced (new version) and removed (what it hid). */
  bytes: { added: number; modified: number; removed: number };
  /** Bytes this layer ships that the final image does not show. */
  wastedBytes: number;
  opaqueDirs: string[];
  strayWhiteouts: string[];
  largestFiles: SizedPath[];
}

/** Our own figures next to dive's. */
export interface HonestFigures {
  /** Sum of Docker layer sizes (what `docker images` shows). */
  imageSize: number;
  /** Bytes of the regular files the final image shows. */
  visibleBytes: number;
  baseLayers: number;
  baseSource: string;
  /** Docker size of the layers above the base image. */
  userSize: number;
  /** Bytes shipped beyond the copy that survives (overwritten copies and deleted files). */
  wastedBytes: number;
  /** The part of wastedBytes shipped by layers above the base image. */
  userWastedBytes: number;
  /** userWastedBytes / userSize (0 when there is no user size). */
  userWastedPercent: number;
  /** Bytes of files deleted by a later layer that still ship in an earlier one. */
  deletedShippedBytes: number;
  /** Bytes of older copies of files a later layer replaced. */
  overwrittenBytes: number;
  efficiency: number;
}

export interface ImageAnalysis {
  layers: LayerInsight[];
  dive: DiveFigures;
  honest: HonestFigures;
  /** Paths with waste, most wasted bytes first. */
  wastedPaths: WastedPath[];
  secrets: FlaggedPath[];
  caches: { root: string; files: number; shippedBytes: number; visibleBytes: number; layers: number[] }[];
  largestFiles: SizedPath[];
  largestDirs: SizedPath[];
}

const utf8 = new TextEncoder();

/** Docker's layer size from its table: regular file bytes plus symlink target lengths. */
export function dockerLayerSize(t: LayerTable): number {
  let n = 0;
  for (let i = 0; i < t.paths.length; i++) {
    if (t.kinds[i] === 'f') n += t.sizes[i];
    else if (t.kinds[i] === 'l') n += utf8.encode(t.links[i] ?? '').byteLength;
  }
  return n;
}

/** Keeps the `n` largest items seen (ties: smaller path first). */
class Largest {
  private items: SizedPath[] = [];
  constructor(private readonly n: number) {}
  /** Whether an item of this size would make the list (so callers build items only for those). */
  wants(size: number): boolean {
    return this.n > 0 && (this.items.length < this.n || size > this.items[this.items.length - 1].size);
  }
  offer(item: SizedPath): void {
    if (this.n <= 0) return;
    if (this.items.length >= this.n && item.size <= this.items[this.items.length - 1].size) return;
    this.items.push(item);
    this.items.sort((a, b) => b.size - a.size || (a.path < b.path ? -1 : 1));
    if (this.items.length > this.n) this.items.pop();
  }
  list(): SizedPath[] {
    return this.items;
  }
}

const sized = (f: FileFacts, size = f.size): SizedPath => (f.link === undefined ? { path: f.path, kind: f.kind, size } : { path: f.path, kind: f.kind, size, link: f.link });

/** Analyse an image's layers, base first: per-layer changes, dive's figures and ours, largest paths, flags. */
export function analyzeLayers(sources: readonly LayerSource[], options: AnalysisOptions = {}): ImageAnalysis {
  const top = options.top ?? 20;
  const baseLayers = Math.min(options.baseLayers ?? 1, sources.length);
  const tables = sources.map((s) => s.table);
  // One index of every path for both replays: ours and dive's.
  const index = new PathIndex();
  const stack = new LayerStack(tables, index);
  // Every regular-file copy shipped: which path, which layer, which entry.
  const copyPath: number[] = [];
  const copyLayer: number[] = [];
  const copySize: number[] = [];
  const copyEntry: number[] = [];
  const layers: LayerInsight[] = [];
  for (let k = 0; k < sources.length; k++) {
    const s = sources[k];
    const t = s.table;
    const own = stack.applyNext((id, layer, entry) => {
      copyPath.push(id);
      copyLayer.push(layer);
      copyEntry.push(entry);
      copySize.push(t.sizes[entry]);
    });
    const counts = { added: 0, modified: 0, removed: 0, unchanged: own.unchanged };
    const bytes = { added: 0, modified: 0, removed: 0 };
    const largest = new Largest(top);
    for (const c of own.changes) {
      counts[c.change]++;
      if (c.kind === 'f') bytes[c.change] += c.size;
      if (c.change !== 'removed' && c.kind === 'f' && largest.wants(c.size)) largest.offer(sized(c));
    }
    layers.push({
      index: k,
      diffId: s.diffId,
      command: s.command ?? '',
      ...(s.created === undefined ? {} : { created: s.created }),
      size: dockerLayerSize(t),
      tarSize: t.tarSize,
      ...(s.blobSize === undefined ? {} : { blobSize: s.blobSize }),
      entries: t.paths.length,
      base: k < baseLayers,
      changes: own.changes,
      counts,
      bytes,
      wastedBytes: 0,
      opaqueDirs: own.opaqueDirs,
      strayWhiteouts: own.strayWhiteouts,
      largestFiles: largest.list(),
    });
  }

  // Waste: every copy but the visible one, per path.
  const perPath = new Map<number, WastedPath>();
  const secrets: FlaggedPath[] = [];
  const caches = new Map<string, { root: string; files: number; shippedBytes: number; visibleBytes: number; layers: Set<number> }>();
  let wastedBytes = 0;
  let userWastedBytes = 0;
  let deletedShippedBytes = 0;
  const wasteful = new Set<number>();
  // A path's flag depends on the path only: worked out once per path, not once per copy.
  const flagged = new Int8Array(index.size).fill(-1);
  const FLAGS: (PathFlag | undefined)[] = [undefined, 'secret', 'cache'];
  for (let c = 0; c < copyPath.length; c++) {
    const id = copyPath[c];
    if (flagged[id] < 0) {
      const f = flagOf(stack.paths[id]);
      flagged[id] = f === 'secret' ? 1 : f === 'cache' ? 2 : 0;
    }
    const flag = FLAGS[flagged[id]];
    const visible = stack.layerOf[id] === copyLayer[c] && stack.entryOf[id] === copyEntry[c];
    if (flag === 'secret') secrets.push({ path: stack.paths[id], flag, layer: copyLayer[c], size: copySize[c], visible });
    else if (flag === 'cache') {
      const root = cacheRootOf(stack.paths[id])!;
      const e = caches.get(root) ?? { root, files: 0, shippedBytes: 0, visibleBytes: 0, layers: new Set<number>() };
      e.files++;
      e.shippedBytes += copySize[c];
      if (visible) e.visibleBytes += copySize[c];
      e.layers.add(copyLayer[c]);
      caches.set(root, e);
    }
    if (!visible) {
      const size = copySize[c];
      wastedBytes += size;
      layers[copyLayer[c]].wastedBytes += size;
      if (copyLayer[c] >= baseLayers) userWastedBytes += size;
      if (!stack.present(id)) deletedShippedBytes += size;
      wasteful.add(id);
    }
  }
  // Only paths with waste get a row: every copy of them, the surviving one included.
  for (let c = 0; c < copyPath.length; c++) {
    const id = copyPath[c];
    if (!wasteful.has(id)) continue;
    let w = perPath.get(id);
    if (!w) {
      w = { path: stack.paths[id], copies: 0, shippedBytes: 0, survivingBytes: 0, wastedBytes: 0, layers: [], deleted: !stack.present(id) };
      perPath.set(id, w);
    }
    w.copies++;
    w.shippedBytes += copySize[c];
    w.layers.push(copyLayer[c]);
    if (stack.layerOf[id] === copyLayer[c] && stack.entryOf[id] === copyEntry[c]) w.survivingBytes = copySize[c];
    else w.wastedBytes += copySize[c];
  }
  const wastedPaths = [...perPath.values()]
    .sort((a, b) => b.wastedBytes - a.wastedBytes || (a.path < b.path ? -1 : 1));

  // The final view: file sizes summed into their directories.
  const sums = new Float64Array(index.size);
  const largestFiles = new Largest(top);
  let visibleBytes = 0;
  const present: number[] = [];
  for (let id = 1; id < index.size; id++) if (stack.present(id)) present.push(id);
  for (let j = present.length - 1; j >= 0; j--) {
    const id = present[j];
    const kind = stack.kind(id);
    const own = kind === 'f' ? stack.size(id) : 0;
    if (kind === 'f') {
      visibleBytes += own;
      if (largestFiles.wants(own)) largestFiles.offer({ path: stack.paths[id], kind, size: own });
    }
    sums[stack.parent(id)] += own + sums[id];
  }
  const largestDirs = new Largest(top);
  for (const id of present) if (stack.kind(id) === 'd' && largestDirs.wants(sums[id])) largestDirs.offer({ path: stack.paths[id], kind: 'd', size: sums[id] });

  const dive = diveFigures(tables, index);
  const imageSize = layers.reduce((n, l) => n + l.size, 0);
  const userSize = layers.slice(baseLayers).reduce((n, l) => n + l.size, 0);
  const shipped = copySize.reduce((a, b) => a + b, 0);
  return {
    layers,
    dive,
    honest: {
      imageSize,
      visibleBytes,
      baseLayers,
      baseSource: options.baseSource ?? 'first-layer',
      userSize,
      wastedBytes,
      userWastedBytes,
      userWastedPercent: userSize === 0 ? 0 : userWastedBytes / userSize,
      deletedShippedBytes,
      overwrittenBytes: wastedBytes - deletedShippedBytes,
      efficiency: shipped === 0 ? 1 : (shipped - wastedBytes) / shipped,
    },
    wastedPaths,
    secrets,
    caches: [...caches.values()].map((c) => ({ ...c, layers: [...c.layers].sort((a, b) => a - b) })).sort((a, b) => b.shippedBytes - a.shippedBytes),
    largestFiles: largestFiles.list(),
    largestDirs: largestDirs.list(),
  };
}
