import { invalid } from '../errors/index.js';
import { type FsNode, FsTree, compareBytes, directoryNode, pathParts } from './fs-tree.js';

// What COPY and ADD change in the image's filesystem, computed without a container: the
// copied paths plus every parent directory of them (a layer tar re-lists the parents of what
// it changes, as Docker's diff does). Rules follow the classic builder's copy.go.

/** One thing to copy: a path in a source tree (context, stage, image, or an unpacked archive). */
export interface CopySource {
  tree: FsTree;
  /** The path in `tree`, symlinks already resolved. */
  path: string;
  /** Keep the source's owners (COPY --from, archives) instead of root or --chown. */
  preserveOwnership: boolean;
  /** Copy a directory's contents rather than the path (directories and unpacked archives). */
  contentsOnly?: boolean;
}

/** How the copy lands: where, as whom, with which mode, at which time for new directories. */
export interface CopyTarget {
  /** Absolute destination (WORKDIR applied), as a clean relative path; `.` is `/`. */
  dest: string;
  /** The destination names a directory (`/app/`, `.`, or more than one source). */
  destIsDir: boolean;
  owner?: { uid: number; gid: number };
  chmod?: number;
  now: number;
}

/** The entries of the layer a COPY/ADD makes, in layer order, and the tree after it. */
export interface CopyChanges {
  entries: Array<{ path: string; node: FsNode }>;
  after: FsTree;
}

/** Applies the copies to `image` (not modified) and lists what changed. */
export function copyChanges(image: FsTree, sources: CopySource[], target: CopyTarget): CopyChanges {
  const changed = new Map<string, FsNode>();
  const created = new Set<string>();
  const after = image.clone();
  const owner = (src: CopySource, node: FsNode): FsNode => {
    let out = node;
    if (!src.preserveOwnership || target.owner) out = { ...out, uid: target.owner?.uid ?? 0, gid: target.owner?.gid ?? 0 };
    if (target.chmod !== undefined && out.type !== 'symlink') out = { ...out, mode: target.chmod };
    return out;
  };
  const put = (path: string, node: FsNode): void => {
    ensureDir(parentOf(path));
    const existing = after.get(path);
    if (existing?.type === 'directory' && node.type === 'directory') {
      // Copying a directory onto one keeps the existing directory's identity, as untar does.
      node = { ...existing, mode: node.mode, uid: node.uid, gid: node.gid, mtime: node.mtime };
    }
    after.set(path, node);
    changed.set(path, node);
  };
  const ensureDir = (dir: string): void => {
    // Every node's ancestors are directories: an existing directory needs no walk.
    if (after.get(dir)?.type === 'directory') return;
    const parts = pathParts(dir);
    for (let i = 1; i <= parts.length; i++) {
      const p = parts.slice(0, i).join('/');
      const existing = after.get(p);
      if (existing?.type === 'directory') continue;
      if (existing) throw invalid(`cannot copy to ${p}: not a directory`);
      const node = directoryNode(target.now, target.owner?.uid ?? 0, target.owner?.gid ?? 0);
      after.set(p, node);
      changed.set(p, node);
      created.add(p);
    }
  };
  for (const src of sources) {
    const node = src.tree.get(src.path);
    if (!node) throw invalid(`no such file: ${src.path}`);
    if (node.type === 'directory' || src.contentsOnly) {
      ensureDir(target.dest);
      const destRoot = after.get(target.dest);
      if (target.dest !== '.' && created.has(target.dest) && destRoot) {
        const rooted = owner(src, { ...node, mtime: target.now });
        after.set(target.dest, { ...destRoot, uid: rooted.uid, gid: rooted.gid });
        changed.set(target.dest, after.get(target.dest)!);
      }
      for (const rel of src.tree.paths(src.path)) {
        const inner = src.path === '.' ? rel : rel.slice(src.path.length + 1);
        const dest = join(target.dest, inner);
        put(dest, owner(src, src.tree.get(rel)!));
      }
      continue;
    }
    const existing = after.get(target.dest);
    const base = src.path === '.' ? '' : src.path.slice(src.path.lastIndexOf('/') + 1);
    const dest = target.destIsDir || existing?.type === 'directory' ? join(target.dest, base) : target.dest;
    if (dest === '.') throw invalid('cannot copy a file onto /');
    put(dest, owner(src, node));
  }
  // Docker's diff lists every parent directory of a change; existing ones keep their identity.
  const withParents = new Map(changed);
  for (const p of changed.keys()) {
    // Walk up until a directory already listed: its own parents are (or will be) listed from it.
    for (let slash = p.lastIndexOf('/'); slash > 0; slash = p.lastIndexOf('/', slash - 1)) {
      const dir = p.slice(0, slash);
      if (withParents.has(dir)) break;
      const node = { ...after.get(dir)!, mtime: target.now };
      withParents.set(dir, node);
      after.set(dir, node);
    }
  }
  const entries = walkOrder([...withParents.keys()]).map((path) => {
    const n = withParents.get(path)!;
    return { path, node: changed.has(path) && created.has(path) ? after.get(path)! : n };
  });
  return { entries, after };
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '.' : path.slice(0, i);
}

function join(dir: string, rel: string): string {
  if (rel === '' || rel === '.') return dir;
  return dir === '.' ? rel : `${dir}/${rel}`;
}

/** Paths sorted as comparePaths sorts them, each split once: `/` ranks below every other character. */
function walkOrder(paths: string[]): string[] {
  const keyed = paths.map((p) => ({ p, key: p.replaceAll('/', '\0') }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return keyed.map((k) => k.p);
}

/** Walk order: a directory's children right after it, siblings by name. */
export function comparePaths(a: string, b: string): number {
  const pa = a.split('/');
  const pb = b.split('/');
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const c = compareBytes(pa[i], pb[i]);
    if (c !== 0) return c;
  }
  return pa.length - pb.length;
}
