import type { ContainerFiles, FileKind, FileStat, FileTree } from '../lifecycle/index.js';
import { initLayerStat, isMountPlaceholder } from './container-init-layer.js';
import { isOpaqueDirectory, isWhiteoutDevice } from './container-layer.js';
import { joinTreePath } from './container-tar-entry.js';

/** `GET /containers/{id}/changes` entry: Kind 0 = modified (C), 1 = added (A), 2 = deleted (D). */
export interface ContainerChange {
  Path: string;
  Kind: 0 | 1 | 2;
}

const OPAQUE_ONLY = ['trusted.overlay.opaque'];
const MODIFIED = 0;
const ADDED = 1;
const DELETED = 2;

/**
 * moby's statDifferent: type and permission bits, owner, device numbers, and for non-directories
 * size and mtime (to the nanosecond). A directory's size and mtime are no measure of change.
 */
function statDifferent(before: FileStat, after: FileStat): boolean {
  if (before.kind !== after.kind || before.mode !== after.mode || before.uid !== after.uid || before.gid !== after.gid) return true;
  if (before.rdevMajor !== after.rdevMajor || before.rdevMinor !== after.rdevMinor) return true;
  return before.kind !== 'directory' && (before.mtimeNs !== after.mtimeNs || before.size !== after.size);
}

/**
 * `docker diff`: what dockerd's naive diff (archive.ChangesDirs of the container's root against
 * its init layer) reports, computed from the writable layer alone. Only paths in the upper dir
 * can differ, so the walk visits those and looks each up in the image's layers: a whiteout is
 * D (when the image had the path), a path the image lacks is A (a recreated deleted path too), a
 * path whose type, mode, owner, device, size or mtime differs is C (a symlink replaced by a file
 * too); an opaque directory deletes, one by one, what the image had in it; a directory with a
 * change inside is C. Docker's init layer counts as part of the image, so its placeholders
 * never show. Sorted by path.
 */
export async function containerChanges(files: ContainerFiles, createdNs: bigint = 0n): Promise<ContainerChange[]> {
  const { upper, lower } = files;
  const changes: ContainerChange[] = [];
  const before = async (path: string): Promise<FileStat | undefined> => (await lower.lstat(path)) ?? initLayerStat(path, createdNs);
  const childrenOf = namedChildren(upper);
  const lowerNames = namesOf(lower);

  /** Adds the changes under upper directory `dir`; `beforeIsDir`: the image had a directory there. */
  async function compare(dir: string, recorded: boolean, beforeIsDir: boolean, opaque: boolean): Promise<void> {
    const atEntry = changes.length;
    const children = (await childrenOf(dir)).filter((c) => !isMountPlaceholder(joinTreePath(dir, c.name)));
    // Only a name the image has (or the init layer's) needs its stat compared; the rest are added.
    const had = beforeIsDir ? await lowerNames(dir) : undefined;
    const present = new Set<string>();
    for (const child of children) {
      const path = joinTreePath(dir, child.name);
      const old = had && (had.has(child.name) || initLayerStat(path, createdNs)) ? await before(path) : undefined;
      const stat = child.stat ?? (child.kind === 'char' || old ? await upper.lstat(path) : undefined);
      if (child.kind === 'char' && stat && isWhiteoutDevice({ name: child.name, stat })) {
        if (old) changes.push({ Path: `/${path}`, Kind: DELETED });
        continue;
      }
      present.add(child.name);
      let childRecorded = false;
      if (!old) {
        changes.push({ Path: `/${path}`, Kind: ADDED });
        childRecorded = true;
      } else if (!stat || statDifferent(old, stat)) {
        changes.push({ Path: `/${path}`, Kind: MODIFIED });
        childRecorded = true;
      }
      if (child.kind === 'directory') await compare(path, childRecorded, old?.kind === 'directory', isOpaqueDirectory(await upper.xattrs(path, OPAQUE_ONLY)));
    }
    if (opaque && beforeIsDir) {
      for (const gone of await lower.list(dir)) {
        if (!present.has(gone.name) && !isMountPlaceholder(joinTreePath(dir, gone.name))) changes.push({ Path: `/${joinTreePath(dir, gone.name)}`, Kind: DELETED });
      }
    }
    if (changes.length > atEntry && !recorded && dir !== '') changes.splice(atEntry, 0, { Path: `/${dir}`, Kind: MODIFIED });
  }

  await compare('', true, true, false);
  return changes.sort((a, b) => (a.Path < b.Path ? -1 : a.Path > b.Path ? 1 : 0));
}

/** A child of the upper dir: its kind, and its stat when the tree gave it anyway. */
interface UpperChild {
  name: string;
  kind: FileKind;
  stat?: FileStat;
}

/** The children of a tree's directories, without a stat each when the tree can name them alone. */
function namedChildren(tree: FileTree): (dir: string) => Promise<UpperChild[]> {
  const names = tree.names?.bind(tree);
  if (names) return names;
  return async (dir) => (await tree.list(dir)).map((e) => ({ name: e.name, kind: e.stat.kind, stat: e.stat }));
}

/** The names in a tree's directories. */
function namesOf(tree: FileTree): (dir: string) => Promise<Set<string>> {
  const names = tree.names?.bind(tree);
  return async (dir) => new Set((names ? await names(dir) : await tree.list(dir)).map((e) => e.name));
}
