import { OPAQUE_WHITEOUT, WHITEOUT_META_PREFIX, WHITEOUT_PREFIX } from '../layer/index.js';
import type { EntryKind, LayerTable } from './layer-table.js';

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

const ROOT = 0;
const NONE = -1;
const IMPLICIT = -2;

const dirOf = (p: string): string => {
  const s = p.lastIndexOf('/');
  return s < 0 ? '.' : p.slice(0, s);
};
const baseOf = (p: string): string => p.slice(p.lastIndexOf('/') + 1);
const join = (dir: string, base: string): string => (dir === '.' ? base : `${dir}/${base}`);

/**
 * The union view of layers applied one after another, the way Docker's applier does it
 * (whiteouts and opaque markers remove what lower layers had, parents are created as needed),
 * kept as columns over interned paths so 100,000 entries cost a few arrays, not objects.
 */
export class LayerStack {
  private readonly ids = new Map<string, number>();
  readonly paths: string[] = [];
  readonly parents: number[] = [];
  private readonly children: (number[] | undefined)[] = [];
  /** Which layer and entry the visible version of a path comes from (IMPLICIT for created parents, NONE when absent). */
  readonly layerOf: number[] = [];
  readonly entryOf: number[] = [];
  /** Layers applied so far. */
  depth = 0;

  constructor(readonly tables: readonly LayerTable[]) {
    this.intern('.');
    this.layerOf[ROOT] = IMPLICIT;
  }

  /** The id of a path (created on first use along with its parents). */
  intern(path: string): number {
    const hit = this.ids.get(path);
    if (hit !== undefined) return hit;
    const parent = path === '.' ? NONE : this.intern(dirOf(path));
    const id = this.paths.length;
    this.ids.set(path, id);
    this.paths.push(path);
    this.parents.push(parent);
    this.children.push(undefined);
    this.layerOf.push(NONE);
    this.entryOf.push(NONE);
    if (parent !== NONE) (this.children[parent] ??= []).push(id);
    return id;
  }

  /** The id of a path already seen, if any. */
  idOf(path: string): number | undefined {
    return this.ids.get(path);
  }

  present(id: number): boolean {
    return this.layerOf[id] !== NONE;
  }

  childrenOf(id: number): readonly number[] {
    return this.children[id] ?? [];
  }

  /** The facts of the visible version of a path (it must be present). */
  facts(id: number): FileChange {
    const layer = this.layerOf[id];
    const path = this.paths[id];
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
        const c = this.children[n];
        if (c) for (const x of c) stack.push(x);
      }
    };
    // Markers delete from the layers below only, wherever they sit in this layer's tar.
    for (let i = 0; i < t.paths.length; i++) {
      const path = t.paths[i];
      const base = baseOf(path);
      if (!base.startsWith(WHITEOUT_PREFIX)) continue;
      if (base === OPAQUE_WHITEOUT) {
        const dir = dirOf(path);
        opaqueDirs.push(dir);
        const id = this.idOf(dir);
        if (id !== undefined) for (const c of this.childrenOf(id)) removeTree(c, 'opaque');
      } else if (!base.startsWith(WHITEOUT_META_PREFIX)) {
        const target = join(dirOf(path), base.slice(WHITEOUT_PREFIX.length));
        const id = this.idOf(target);
        if (id !== undefined && this.present(id)) removeTree(id, 'whiteout');
        else strayWhiteouts.push(target);
      }
    }
    const changed = new Map<number, FileChange>(removed);
    const unchangedDirs: number[] = [];
    let unchanged = 0;
    for (let i = 0; i < t.paths.length; i++) {
      const path = t.paths[i];
      if (path.startsWith(WHITEOUT_PREFIX) || path.includes(`/${WHITEOUT_PREFIX}`)) continue;
      const id = this.intern(path);
      if (id === ROOT) {
        // The root is always there; its own entry is not a change anyone asked about.
        this.layerOf[ROOT] = k;
        this.entryOf[ROOT] = i;
        continue;
      }
      for (let p = this.parents[id]; p !== NONE && !this.present(p); p = this.parents[p]) {
        this.layerOf[p] = IMPLICIT;
        changed.set(p, this.facts(p));
      }
      const before = removed.get(id) ?? (this.present(id) ? this.facts(id) : undefined);
      this.layerOf[id] = k;
      this.entryOf[id] = i;
      if (t.kinds[i] === 'f') onCopy?.(id, k, i);
      const after: FileChange = entryFacts(t, i, path);
      if (!before) {
        after.change = 'added';
        changed.set(id, after);
        continue;
      }
      const what = differences(before, after);
      if (what.length) {
        after.change = 'modified';
        after.what = what;
        changed.set(id, after);
      } else {
        changed.delete(id);
        if (after.kind === 'd') unchangedDirs.push(id);
        else unchanged++;
      }
    }
    // Dive's rule: a directory whose subtree changed in this layer is modified.
    const dirty = new Set<number>();
    for (const id of changed.keys()) for (let p = this.parents[id]; p !== NONE && !dirty.has(p); p = this.parents[p]) dirty.add(p);
    for (const id of unchangedDirs) {
      if (dirty.has(id) && this.present(id)) {
        const f = this.facts(id);
        f.change = 'modified';
        f.what = ['children'];
        changed.set(id, f);
      }
      else unchanged++;
    }
    const changes = [...changed.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return { changes, unchanged, opaqueDirs, strayWhiteouts };
  }

  /** Every present path, parents before children (ids are created parents first). */
  *presentIds(): Iterable<number> {
    for (let id = 1; id < this.paths.length; id++) if (this.present(id)) yield id;
  }
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
