import { WHITEOUT_PREFIX } from '../layer/index.js';
import type { EntryKind, LayerTable } from './layer-table.js';
import { NONE, NameKind, PathIndex, ROOT } from './path-index.js';

/** What a path is in a layer or in the union view: the header facts, no body. */
export interface FileFacts {
  path: string;
  kind: EntryKind;
  /** Size field of the header (0 for links and directories). */
  size: number;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  /** Target of a hard link (archive-relative) or symbolic link. */
  link?: string;
  /** A parent directory no layer had an entry for (created the way Docker's applier does). */
  implicit?: true;
}

/** Dive's three kinds of change. */
export type ChangeKind = 'added' | 'modified' | 'removed';

/** One change a layer makes to the view below it. */
export interface FileChange extends FileFacts {
  change: ChangeKind;
  /** For `removed`: the layer the removed entry came from, and what removed it. */
  from?: number;
  by?: 'whiteout' | 'opaque';
  /** For `modified`: what changed (`type`, `content`, `mode`, `owner`, `link`, `children`). */
  what?: string[];
}

/** A layer's own changes and the markers it carried. */
export interface LayerChanges {
  changes: FileChange[];
  /** Entries re-emitted with nothing changed (Docker re-emits parent directories). */
  unchanged: number;
  /** Directories this layer made opaque. */
  opaqueDirs: string[];
  /** Whiteout targets that did not exist below (nothing to delete). */
  strayWhiteouts: string[];
}

const IMPLICIT = -2;

/** Dive's kinds of difference as bits, so comparing two versions allocates nothing. */
const TYPE = 1;
const CONTENT = 2;
const LINK = 4;
const MODE = 8;
const OWNER = 16;

/**
 * The union view of layers applied one after another, the way Docker's applier does it
 * (whiteouts and opaque markers remove what lower layers had, parents are created as needed),
 * kept as typed arrays over the ids of a PathIndex, so 100,000 entries cost a few arrays, not objects.
 */
export class LayerStack {
  readonly index: PathIndex;
  private readonly entryIds: Int32Array[];
  /** Which layer and entry the visible version of a path comes from (IMPLICIT for created parents, NONE when absent). */
  readonly layerOf: Int32Array;
  readonly entryOf: Int32Array;
  /** Layers applied so far. */
  depth = 0;
  /** Per path: the last layer that marked it dirty (a change below it). */
  private readonly dirtyIn: Int32Array;

  constructor(
    readonly tables: readonly LayerTable[],
    index?: PathIndex,
  ) {
    this.index = index ?? new PathIndex();
    this.entryIds = tables.map((t) => this.index.entryIds(t));
    const n = this.index.size;
    this.layerOf = new Int32Array(n).fill(NONE);
    this.entryOf = new Int32Array(n).fill(NONE);
    this.dirtyIn = new Int32Array(n).fill(NONE);
    this.layerOf[ROOT] = IMPLICIT;
  }

  get paths(): readonly string[] {
    return this.index.paths;
  }

  /** The parent id of a path (NONE for the root). */
  parent(id: number): number {
    return this.index.parent(id);
  }

  /** The id of a path already seen, if any. */
  idOf(path: string): number | undefined {
    return this.index.idOf(path);
  }

  present(id: number): boolean {
    return this.layerOf[id] !== NONE;
  }

  /** The facts of the visible version of a path (it must be present). */
  facts(id: number): FileChange {
    const layer = this.layerOf[id];
    const path = this.index.paths[id];
    if (layer === IMPLICIT) return { change: 'added', path, kind: 'd', size: 0, mode: 0o755, uid: 0, gid: 0, mtime: 0, implicit: true };
    return entryFacts(this.tables[layer], this.entryOf[id], path);
  }

  /** Kind letter of the visible version. */
  kind(id: number): string {
    const layer = this.layerOf[id];
    return layer === IMPLICIT ? 'd' : this.tables[layer].kinds[this.entryOf[id]];
  }

  /** Size field of the visible version (0 for implicit directories). */
  size(id: number): number {
    const layer = this.layerOf[id];
    return layer < 0 ? 0 : this.tables[layer].sizes[this.entryOf[id]];
  }

  /** Apply the next layer; returns its own changes against the view below it. */
  applyNext(onCopy?: (id: number, layer: number, entry: number) => void): LayerChanges {
    const k = this.depth++;
    const t = this.tables[k];
    const ids = this.entryIds[k];
    const index = this.index;
    const removed = new Map<number, FileChange>();
    const opaqueDirs: string[] = [];
    const strayWhiteouts: string[] = [];
    const removeTree = (id: number, by: 'whiteout' | 'opaque') => {
      const stack = [id];
      while (stack.length) {
        const n = stack.pop()!;
        if (!this.present(n)) continue;
        const f: FileChange = this.facts(n);
        f.change = 'removed';
        f.from = this.layerOf[n];
        f.by = by;
        removed.set(n, f);
        this.layerOf[n] = NONE;
        this.entryOf[n] = NONE;
        for (let c = index.firstChild(n); c !== NONE; c = index.nextSibling(c)) stack.push(c);
      }
    };
    // Markers delete from the layers below only, wherever they sit in this layer's tar.
    for (let i = 0; i < ids.length; i++) {
      const kind = index.nameKind(ids[i]);
      if (kind === NameKind.opaque) {
        const dir = index.parent(ids[i]);
        opaqueDirs.push(index.paths[dir]);
        for (let c = index.firstChild(dir); c !== NONE; c = index.nextSibling(c)) removeTree(c, 'opaque');
      } else if (kind === NameKind.whiteout) {
        const target = index.whiteoutTargetId(ids[i]);
        if (target !== undefined && this.present(target)) removeTree(target, 'whiteout');
        else strayWhiteouts.push(whiteoutTargetPath(index.paths[ids[i]]));
      }
    }
    const changed = new Map<number, FileChange>(removed);
    const unchangedDirs: number[] = [];
    let unchanged = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (id === ROOT) {
        // The root is always there; its own entry is not a change anyone asked about.
        this.layerOf[ROOT] = k;
        this.entryOf[ROOT] = i;
        continue;
      }
      const path = index.paths[id];
      if (path.startsWith(WHITEOUT_PREFIX) || path.includes(`/${WHITEOUT_PREFIX}`)) continue;
      for (let p = index.parent(id); p !== NONE && !this.present(p); p = index.parent(p)) {
        this.layerOf[p] = IMPLICIT;
        changed.set(p, this.facts(p));
      }
      const gone = removed.get(id);
      let what = 0;
      const existed = gone !== undefined || this.present(id);
      if (gone) what = factsDifference(gone, t, i);
      else if (existed) what = this.layerOf[id] === IMPLICIT ? factsDifference(this.facts(id), t, i) : entryDifference(this.tables[this.layerOf[id]], this.entryOf[id], t, i);
      this.layerOf[id] = k;
      this.entryOf[id] = i;
      if (t.kinds[i] === 'f') onCopy?.(id, k, i);
      if (!existed) {
        changed.set(id, entryFacts(t, i, path));
        continue;
      }
      if (what) {
        const after = entryFacts(t, i, path);
        after.change = 'modified';
        after.what = differenceNames(what);
        changed.set(id, after);
      } else {
        changed.delete(id);
        if (t.kinds[i] === 'd') unchangedDirs.push(id);
        else unchanged++;
      }
    }
    // Dive's rule: a directory whose subtree changed in this layer is modified.
    for (const id of changed.keys()) for (let p = index.parent(id); p !== NONE && this.dirtyIn[p] !== k; p = index.parent(p)) this.dirtyIn[p] = k;
    for (const id of unchangedDirs) {
      if (this.dirtyIn[id] === k && this.present(id)) {
        const f = this.facts(id);
        f.change = 'modified';
        f.what = ['children'];
        changed.set(id, f);
      } else unchanged++;
    }
    const changes = index.sortByPath([...changed.keys()]).map((id) => changed.get(id)!);
    return { changes, unchanged, opaqueDirs, strayWhiteouts };
  }

  /** Every present path, parents before children (ids are created parents first). */
  *presentIds(): Iterable<number> {
    for (let id = 1; id < this.layerOf.length; id++) if (this.present(id)) yield id;
  }
}

const whiteoutTargetPath = (path: string): string => {
  const base = path.lastIndexOf('/') + 1;
  return path.slice(0, base) + path.slice(base + WHITEOUT_PREFIX.length);
};

function differenceNames(what: number): string[] {
  const out: string[] = [];
  if (what & TYPE) out.push('type');
  if (what & CONTENT) out.push('content');
  if (what & LINK) out.push('link');
  if (what & MODE) out.push('mode');
  if (what & OWNER) out.push('owner');
  return out;
}

/** differences() between entry `i` of `a` and entry `j` of `b`, as bits, read from the columns. */
function entryDifference(a: LayerTable, i: number, b: LayerTable, j: number): number {
  const ka = a.kinds[i];
  const kb = b.kinds[j];
  let what = 0;
  if (ka !== kb) what |= TYPE;
  else if (ka !== 'd' && (a.sizes[i] !== b.sizes[j] || (ka === 'f' && a.mtimes[i] !== b.mtimes[j]))) what |= CONTENT;
  if (ka === kb && (a.links[i] ?? '') !== (b.links[j] ?? '')) what |= LINK;
  if (a.modes[i] !== b.modes[j]) what |= MODE;
  if (a.uids[i] !== b.uids[j] || a.gids[i] !== b.gids[j]) what |= OWNER;
  return what;
}

/** differences() between facts and entry `j` of `b`, as bits. */
function factsDifference(a: FileFacts, b: LayerTable, j: number): number {
  const kb = b.kinds[j];
  let what = 0;
  if (a.kind !== kb) what |= TYPE;
  else if (a.kind !== 'd' && (a.size !== b.sizes[j] || (a.kind === 'f' && a.mtime !== b.mtimes[j]))) what |= CONTENT;
  if (a.kind === kb && (a.link ?? '') !== (b.links[j] ?? '')) what |= LINK;
  if (a.mode !== b.modes[j]) what |= MODE;
  if (a.uid !== b.uids[j] || a.gid !== b.gids[j]) what |= OWNER;
  return what;
}

/** The facts of entry `i` of a table. */
export function entryFacts(t: LayerTable, i: number, path = t.paths[i]): FileChange {
  // One object per entry, shaped as a change so callers can mark it without copying.
  const f: FileChange = {
    change: 'added',
    path,
    kind: t.kinds[i] as EntryKind,
    size: t.sizes[i],
    mode: t.modes[i],
    uid: t.uids[i],
    gid: t.gids[i],
    mtime: t.mtimes[i],
  };
  const link = t.links[i];
  if (link !== undefined) f.link = link;
  return f;
}

/**
 * What differs between two versions of a path, in dive's terms: type, content, mode, owner.
 * Content is the size and mtime for files (dive hashes bodies; indexes keep no bodies) and the
 * target for links; a directory's own content is its children, judged separately.
 */
export function differences(a: FileFacts, b: FileFacts): string[] {
  const what: string[] = [];
  if (a.kind !== b.kind) what.push('type');
  else if (a.kind !== 'd' && (a.size !== b.size || (a.kind === 'f' && a.mtime !== b.mtime))) what.push('content');
  if ((a.link ?? '') !== (b.link ?? '') && a.kind === b.kind) what.push('link');
  if (a.mode !== b.mode) what.push('mode');
  if (a.uid !== b.uid || a.gid !== b.gid) what.push('owner');
  return what;
}
