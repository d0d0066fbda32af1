// Test-only: a FileTree in memory, filled from real layer tars or by hand (an overlay upper dir).
import type { ContainerFiles, FileEntry, FileKind, FileName, FileStat, FileTree } from '../src/lifecycle/index.js';
import { cleanEntryPath, isOpaque, isWhiteout, opaqueDirectory, readTar, whiteoutTarget, type TarEntryType } from '../src/layer/index.js';
import { collect, readFixture, streamOf } from './node.js';

interface Node {
  stat: FileStat;
  body?: Uint8Array;
  xattrs?: Record<string, Uint8Array>;
}

const kindOfType: Partial<Record<TarEntryType, FileKind>> = { file: 'file', directory: 'directory', symlink: 'symlink', char: 'char', block: 'block', fifo: 'fifo' };
const parentOf = (path: string) => (path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '');
let nextIno = 1000n;

/** A stat with defaults (root-owned, 0644 or 0755, one link, a fresh inode). */
export function statOf(init: Partial<FileStat> & { kind: FileKind }): FileStat {
  return { mode: init.kind === 'directory' ? 0o755 : 0o644, uid: 0, gid: 0, size: 0, mtimeNs: 0n, ino: nextIno++, nlink: 1, rdevMajor: 0, rdevMinor: 0, ...init };
}

/** A directory tree held in memory; paths relative, '' the root. */
export class MemoryTree implements FileTree {
  readonly nodes = new Map<string, Node>([['', { stat: statOf({ kind: 'directory' }) }]]);

  set(path: string, stat: FileStat, body?: Uint8Array | string, xattrs?: Record<string, Uint8Array>): this {
    const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
    this.nodes.set(path, { stat: bytes ? { ...stat, size: bytes.byteLength } : stat, body: bytes, xattrs });
    return this;
  }

  remove(path: string): void {
    for (const key of [...this.nodes.keys()]) if (key === path || key.startsWith(`${path}/`)) this.nodes.delete(key);
  }

  async lstat(path: string): Promise<FileStat | undefined> {
    return this.nodes.get(path)?.stat;
  }

  async list(path: string): Promise<FileEntry[]> {
    return [...this.nodes]
      .filter(([key]) => key !== '' && parentOf(key) === path)
      .map(([key, n]) => ({ name: key.slice(key.lastIndexOf('/') + 1), stat: n.stat }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async names(path: string): Promise<FileName[]> {
    return (await this.list(path)).map((e) => ({ name: e.name, kind: e.stat.kind }));
  }

  read(path: string): ReadableStream<Uint8Array> {
    return streamOf(this.nodes.get(path)?.body ?? new Uint8Array(0));
  }

  async xattrs(path: string): Promise<Record<string, Uint8Array>> {
    return this.nodes.get(path)?.xattrs ?? {};
  }

  /** Apply a layer tar as overlayfs shows the result: whiteouts delete, opaque markers empty a directory, hard links share an inode. */
  async apply(tar: Uint8Array): Promise<this> {
    for await (const e of readTar(streamOf(tar))) {
      const body = await collect(e.body);
      const path = cleanEntryPath(e.path);
      if (isOpaque(e.path)) {
        const dir = opaqueDirectory(e.path);
        for (const key of [...this.nodes.keys()]) if (key !== dir && parentOf(key) !== undefined && (dir === '.' ? key !== '' : key.startsWith(`${dir}/`))) this.nodes.delete(key);
        continue;
      }
      if (isWhiteout(e.path)) {
        this.remove(whiteoutTarget(e.path));
        continue;
      }
      if (path === '.') continue;
      if (e.type === 'hardlink') {
        const target = this.nodes.get(cleanEntryPath(e.linkname))!;
        target.stat = { ...target.stat, nlink: target.stat.nlink + 1 };
        this.nodes.set(path, target);
        continue;
      }
      const kind = kindOfType[e.type];
      if (!kind) continue;
      if (kind !== 'directory' || this.nodes.get(path)?.stat.kind !== 'directory') this.remove(path);
      const pax = Object.entries(e.pax).filter(([k]) => k.startsWith('SCHILY.xattr.'));
      this.set(
        path,
        statOf({ kind, mode: e.mode, uid: e.uid, gid: e.gid, size: e.size, mtimeNs: BigInt(Math.round(e.mtime * 1e9)), rdevMajor: e.devmajor, rdevMinor: e.devminor, ...(kind === 'symlink' ? { linkTarget: e.linkname } : {}) }),
        kind === 'file' ? body : undefined,
        pax.length ? Object.fromEntries(pax.map(([k, v]) => [k.slice('SCHILY.xattr.'.length), v])) : undefined,
      );
    }
    return this;
  }
}

/** The layer tars of a fixture image, bottom first (from its docker save archive's manifest). */
export async function fixtureLayers(image: string): Promise<Uint8Array[]> {
  const files = new Map<string, Uint8Array>();
  for await (const e of readTar(streamOf(readFixture(`images/${image}/image.tar`)))) files.set(e.path, await collect(e.body));
  const manifest = JSON.parse(new TextDecoder().decode(files.get('manifest.json'))) as Array<{ Layers: string[] }>;
  return manifest[0].Layers.map((l) => files.get(l)!);
}

/** A fixture image's layers merged, as overlayfs shows them. */
export async function fixtureRoot(image: string): Promise<MemoryTree> {
  const tree = new MemoryTree();
  for (const layer of await fixtureLayers(image)) await tree.apply(layer);
  return tree;
}

/** ContainerFiles over memory trees; names as on a host where 0 is root. */
export function memoryContainerFiles(trees: { upper: MemoryTree; lower: MemoryTree; root?: MemoryTree }, options: { names?: boolean } = {}): ContainerFiles {
  // Without `names`, the trees look like one that can only list (and stat) whole directories.
  const listOnly = (t: MemoryTree): FileTree => ({ lstat: (p) => t.lstat(p), list: (p) => t.list(p), read: (p) => t.read(p), xattrs: (p) => t.xattrs(p) });
  return {
    upper: options.names === false ? listOnly(trees.upper) : trees.upper,
    lower: options.names === false ? listOnly(trees.lower) : trees.lower,
    root: trees.root ?? trees.lower,
    userName: (uid) => (uid === 0 ? 'root' : ''),
    groupName: (gid) => (gid === 0 ? 'root' : ''),
    extract: () => Promise.reject(new Error('memory trees are read-only')),
  };
}
