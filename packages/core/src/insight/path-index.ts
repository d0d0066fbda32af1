import { OPAQUE_WHITEOUT, WHITEOUT_META_PREFIX, WHITEOUT_PREFIX } from '../layer/index.js';
import type { LayerTable } from './layer-table.js';

/** Id of the root (`.`) in every PathIndex. */
export const ROOT = 0;
/** "No path": the parent of the root, the end of a child list. */
export const NONE = -1;

/**
 * What a path's last component says about it as a tar entry: `plain`; `whiteout` (`.wh.name`
 * deletes `name` below); `opaque` (`.wh..wh..opq` empties its directory of what was below);
 * `meta` (any other `.wh..wh.` name, AUFS metadata, marks nothing).
 */
export const NameKind = { plain: 0, whiteout: 1, opaque: 2, meta: 3 } as const;
export type NameKind = (typeof NameKind)[keyof typeof NameKind];

/**
 * Every path of a stack of layers, interned once as a small integer with its parent and
 * children, so the union replay and dive's figures work on ids and typed arrays instead of
 * hashing path strings layer after layer. Parents get smaller ids than their children.
 */
export class PathIndex {
  private readonly ids = new Map<string, number>([['.', ROOT]]);
  readonly paths: string[] = ['.'];
  private parentOf = new Int32Array(1024).fill(NONE);
  private firstChildOf = new Int32Array(1024).fill(NONE);
  private nextSiblingOf = new Int32Array(1024).fill(NONE);
  private kindOf = new Uint8Array(1024);
  private readonly entryIdsOf = new WeakMap<LayerTable, Int32Array>();
  private ranks: Int32Array | undefined;
  private byRank: Int32Array | undefined;

  get size(): number {
    return this.paths.length;
  }

  /** The id of a path, created (with its parents) on first use. */
  intern(path: string): number {
    const hit = this.ids.get(path);
    if (hit !== undefined) return hit;
    const slash = path.lastIndexOf('/');
    // Tars list a directory just before its entries: most new paths sit in the last directory made.
    const last = this.paths[this.paths.length - 1];
    const parent =
      slash < 0
        ? ROOT
        : slash === last.length && path.startsWith(last)
          ? this.paths.length - 1
          : this.intern(path.slice(0, slash));
    const id = this.paths.length;
    if (id === this.parentOf.length) this.grow();
    this.ids.set(path, id);
    this.paths.push(path);
    this.parentOf[id] = parent;
    this.nextSiblingOf[id] = this.firstChildOf[parent];
    this.firstChildOf[parent] = id;
    const base = slash + 1;
    this.kindOf[id] = !path.startsWith(WHITEOUT_PREFIX, base)
      ? NameKind.plain
      : !path.startsWith(WHITEOUT_META_PREFIX, base)
        ? NameKind.whiteout
        : path.length - base === OPAQUE_WHITEOUT.length && path.endsWith(OPAQUE_WHITEOUT)
          ? NameKind.opaque
          : NameKind.meta;
    return id;
  }

  /** The id of a path already interned, if any. */
  idOf(path: string): number | undefined {
    return this.ids.get(path);
  }

  /** The id of each entry of a table (interned on first call, then remembered). */
  entryIds(t: LayerTable): Int32Array {
    let out = this.entryIdsOf.get(t);
    if (!out) {
      out = new Int32Array(t.paths.length);
      for (let i = 0; i < t.paths.length; i++) out[i] = this.intern(t.paths[i]);
      this.entryIdsOf.set(t, out);
    }
    return out;
  }

  parent(id: number): number {
    return this.parentOf[id];
  }

  firstChild(id: number): number {
    return this.firstChildOf[id];
  }

  nextSibling(id: number): number {
    return this.nextSiblingOf[id];
  }

  /** What the path's last component says (whiteout, opaque marker, ...). */
  nameKind(id: number): NameKind {
    return this.kindOf[id] as NameKind;
  }

  /** The last component of a path. */
  name(id: number): string {
    const p = this.paths[id];
    return p.slice(p.lastIndexOf('/') + 1);
  }

  /** The path a whiteout entry deletes (`dir/.wh.x` -> `dir/x`), if it was ever interned. */
  whiteoutTargetId(id: number): number | undefined {
    const p = this.paths[id];
    const base = p.lastIndexOf('/') + 1;
    return this.ids.get(p.slice(0, base) + p.slice(base + WHITEOUT_PREFIX.length));
  }

  /**
   * Ids in the order of their paths (JavaScript's string order), for sorting lists of paths by
   * integer ranks instead of comparing whole paths. The ranks come from the tree: under a
   * directory, every path is `dir/` plus a child's name, or plus `name/...` for the child's own
   * subtree, which is one contiguous run; so sorting each directory's names (and `name/` for
   * those with children) and walking down gives the order of the full paths. Paths interned
   * later are ranked anew on the next call.
   */
  sortByPath(ids: readonly number[]): number[] {
    if (!this.ranks || this.ranks.length !== this.paths.length) this.rankPaths();
    const ranks = new Int32Array(ids.length);
    for (let i = 0; i < ids.length; i++) ranks[i] = this.ranks![ids[i]];
    ranks.sort();
    const out = new Array<number>(ids.length);
    for (let i = 0; i < ranks.length; i++) out[i] = this.byRank![ranks[i]];
    return out;
  }

  private rankPaths(): void {
    const n = this.paths.length;
    const ranks = new Int32Array(n);
    const byRank = new Int32Array(n);
    let next = 0;
    const place = (id: number) => {
      ranks[id] = next;
      byRank[next++] = id;
    };
    place(ROOT);
    // A run to place: a path itself (subtree false) or everything below it (subtree true).
    const runsBelow = (dir: number): { key: string; id: number; subtree: boolean }[] => {
      const runs: { key: string; id: number; subtree: boolean }[] = [];
      for (let c = this.firstChildOf[dir]; c !== NONE; c = this.nextSiblingOf[c]) {
        const name = this.name(c);
        runs.push({ key: name, id: c, subtree: false });
        if (this.firstChildOf[c] !== NONE) runs.push({ key: `${name}/`, id: c, subtree: true });
      }
      return runs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).reverse();
    };
    // Depth-first with an explicit stack (runs pushed in reverse, so popped in order).
    const stack = runsBelow(ROOT);
    while (stack.length) {
      const run = stack.pop()!;
      if (!run.subtree) place(run.id);
      else for (const r of runsBelow(run.id)) stack.push(r);
    }
    this.ranks = ranks;
    this.byRank = byRank;
  }

  private grow(): void {
    const n = this.parentOf.length * 2;
    const widen = <T extends Int32Array | Uint8Array>(a: T, fill: number): T => {
      const b = new (a.constructor as new (n: number) => T)(n);
      b.fill(fill);
      b.set(a);
      return b;
    };
    this.parentOf = widen(this.parentOf, NONE);
    this.firstChildOf = widen(this.firstChildOf, NONE);
    this.nextSiblingOf = widen(this.nextSiblingOf, NONE);
    this.kindOf = widen(this.kindOf, 0);
  }
}
