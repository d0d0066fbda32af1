import { invalid } from '../errors/index.js';
import { type TarEntry, cleanEntryPath, isAufsMetadata, isOpaque, isWhiteout, linkTargetEscapes, whiteoutTarget } from '../layer/index.js';

// A filesystem held as a map of clean relative paths: a build context from its tar, or an
// image's layers applied in order (whiteouts and opaque markers honoured). COPY and ADD read
// from one tree and look at another to know which directories already exist.

/** What a path holds: the tar header fields a layer carries, and the bytes of a file when known. */
export interface FsNode {
  type: 'file' | 'directory' | 'symlink' | 'char' | 'block' | 'fifo';
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  linkname: string;
  devmajor: number;
  devminor: number;
  /** PAX records worth keeping (xattrs), by key. */
  pax: Record<string, Uint8Array>;
  body?: Uint8Array;
}

const MAX_SYMLINKS = 255;

/** Components of a clean path (`.` is the root, no components). */
export const pathParts = (p: string): string[] => (p === '.' || p === '' ? [] : p.split('/'));

/** A directory node as the builder creates one (0755, root unless told). */
export function directoryNode(mtime: number, uid = 0, gid = 0, mode = 0o755): FsNode {
  return { type: 'directory', mode, uid, gid, size: 0, mtime, linkname: '', devmajor: 0, devminor: 0, pax: {} };
}

/** A filesystem of clean relative paths; the root `.` always exists. */
export class FsTree {
  private readonly nodes = new Map<string, FsNode>();
  private readonly kids = new Map<string, Set<string>>();

  constructor() {
    this.nodes.set('.', directoryNode(0));
  }

  get(path: string): FsNode | undefined {
    return this.nodes.get(path);
  }

  has(path: string): boolean {
    return this.nodes.has(path);
  }

  get size(): number {
    return this.nodes.size;
  }

  /** Every path, parents before children, siblings by name (the order a layer tar lists them). */
  paths(under = '.'): string[] {
    const out: string[] = [];
    const walk = (dir: string): void => {
      for (const name of [...(this.kids.get(dir) ?? [])].sort(compareBytes)) {
        const p = dir === '.' ? name : `${dir}/${name}`;
        out.push(p);
        walk(p);
      }
    };
    walk(under);
    return out;
  }

  /** Names directly inside `dir`, sorted. */
  children(dir: string): string[] {
    return [...(this.kids.get(dir) ?? [])].sort(compareBytes);
  }

  /** Sets `path`, creating missing parents as root-owned 0755 directories. */
  set(path: string, node: FsNode): void {
    if (path === '.') {
      this.nodes.set('.', node);
      return;
    }
    // Every node's ancestors are directories, so a parent that is one needs no walk up.
    const slash = path.lastIndexOf('/');
    if (slash >= 0 && this.nodes.get(path.slice(0, slash))?.type !== 'directory') {
      const parts = pathParts(path);
      for (let i = 1; i < parts.length; i++) {
        const dir = parts.slice(0, i).join('/');
        const existing = this.nodes.get(dir);
        if (!existing || existing.type !== 'directory') this.put(dir, directoryNode(node.mtime));
      }
    }
    const old = this.nodes.get(path);
    if (old && old.type === 'directory' && node.type !== 'directory') this.remove(path);
    this.put(path, node);
  }

  private put(path: string, node: FsNode): void {
    const existing = this.nodes.get(path);
    if (existing && existing.type === 'directory' && node.type !== 'directory') this.remove(path);
    this.nodes.set(path, node);
    const slash = path.lastIndexOf('/');
    const parent = slash < 0 ? '.' : path.slice(0, slash);
    let set = this.kids.get(parent);
    if (!set) this.kids.set(parent, (set = new Set()));
    set.add(slash < 0 ? path : path.slice(slash + 1));
  }

  /** Removes `path` and everything under it. */
  remove(path: string): void {
    if (!this.nodes.has(path) || path === '.') return;
    for (const child of this.children(path)) this.remove(`${path}/${child}`);
    this.nodes.delete(path);
    this.kids.delete(path);
    const slash = path.lastIndexOf('/');
    this.kids.get(slash < 0 ? '.' : path.slice(0, slash))?.delete(slash < 0 ? path : path.slice(slash + 1));
  }

  /** Removes everything inside `dir` (an opaque directory). */
  clear(dir: string): void {
    for (const child of this.children(dir)) this.remove(dir === '.' ? child : `${dir}/${child}`);
  }

  /**
   * Resolves `path` inside the tree the way Docker's FollowSymlinkInScope does: symlinks are
   * followed (absolute ones from the root), `..` never climbs above the root. `followFinal`
   * says whether a symlink in the last component is followed too.
   */
  resolve(path: string, followFinal = true): string {
    let pending = pathParts(normalizeRelative(path));
    const done: string[] = [];
    let hops = 0;
    while (pending.length > 0) {
      const part = pending.shift()!;
      if (part === '..') {
        done.pop();
        continue;
      }
      const candidate = [...done, part].join('/');
      const node = this.nodes.get(candidate);
      if (node?.type === 'symlink' && (pending.length > 0 || followFinal)) {
        if (++hops > MAX_SYMLINKS) throw invalid(`too many links in ${path}`);
        const target = node.linkname;
        if (target.startsWith('/')) done.length = 0;
        pending = [...target.split('/').filter((p) => p !== '' && p !== '.'), ...pending];
        continue;
      }
      done.push(part);
    }
    return done.length === 0 ? '.' : done.join('/');
  }

  /** Applies one layer entry: whiteouts delete, opaque markers empty a directory, others set. */
  apply(entry: TarEntry, body?: Uint8Array): void {
    if (entry.type === 'pax-global') return;
    const path = cleanEntryPath(entry.path);
    if (isOpaque(path)) {
      const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '.';
      this.clear(dir);
      return;
    }
    if (isAufsMetadata(path)) return;
    if (isWhiteout(path)) {
      this.remove(whiteoutTarget(path));
      return;
    }
    if (entry.type === 'hardlink') {
      if (linkTargetEscapes(entry.linkname)) throw invalid(`invalid hardlink ${JSON.stringify(entry.path)} -> ${JSON.stringify(entry.linkname)}: outside the root`);
      const target = this.nodes.get(cleanEntryPath(entry.linkname));
      if (!target || target.type !== 'file') throw invalid(`invalid hardlink ${JSON.stringify(entry.path)}: target ${JSON.stringify(entry.linkname)} is not a file`);
      this.set(path, { ...target });
      return;
    }
    const type = entry.type === 'contiguous' ? 'file' : entry.type;
    if (type === 'unknown') return;
    if (path === '.' && type !== 'directory') throw invalid(`invalid tar entry ${JSON.stringify(entry.path)}: the root must be a directory`);
    const pax: Record<string, Uint8Array> = {};
    for (const [k, v] of Object.entries(entry.pax)) if (k.startsWith('SCHILY.xattr.')) pax[k] = v;
    this.set(path, {
      type,
      mode: entry.mode & 0o7777,
      uid: entry.uid,
      gid: entry.gid,
      size: type === 'file' ? entry.size : 0,
      mtime: Math.floor(entry.mtime),
      linkname: entry.linkname,
      devmajor: entry.devmajor,
      devminor: entry.devminor,
      pax,
      body: type === 'file' ? body : undefined,
    });
  }

  /** A copy sharing node objects (nodes are never mutated in place). */
  clone(): FsTree {
    const t = new FsTree();
    for (const [p, n] of this.nodes) t.nodes.set(p, n);
    for (const [dir, names] of this.kids) t.kids.set(dir, new Set(names));
    return t;
  }
}

/** A user path as a clean relative path: leading `/` and `./` dropped, `..` kept for resolve(). */
export function normalizeRelative(path: string): string {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else out.push('..');
    } else out.push(part);
  }
  while (out[0] === '..') out.shift();
  return out.length === 0 ? '.' : out.join('/');
}

/** Byte-order comparison of two names (Go's string order, which sorts a layer's entries). */
export function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
