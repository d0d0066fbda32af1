import { StrataError, invalid, notFound } from '../errors/index.js';
import type { TarWriteEntry } from '../layer/index.js';
import { batchedTar } from './container-tar-stream.js';
import type { ContainerFiles, FileKind, FileStat, FileTree } from '../lifecycle/index.js';
import { absoluteContainerPath, basePath, resolveInScope, splitPath } from './container-path.js';
import { HardLinkGroups, dockerTarEntry, entryBody, joinTreePath } from './container-tar-entry.js';

/** `X-Docker-Container-Path-Stat` (moby's types.ContainerPathStat), before base64. */
export interface ContainerPathStat {
  name: string;
  size: number;
  /** Go's os.FileMode bits. */
  mode: number;
  /** RFC 3339 with nanoseconds, as Go marshals a time.Time. */
  mtime: string;
  linkTarget: string;
}

const GO_MODE_BITS: Record<FileKind, number> = {
  file: 0,
  directory: 2 ** 31,
  symlink: 2 ** 27,
  block: 2 ** 26,
  fifo: 2 ** 25,
  socket: 2 ** 24,
  char: 2 ** 26 + 2 ** 21,
};

/** Go's os.FileMode of a file: permission bits, setuid/setgid/sticky at Go's positions, the type bit. */
export function goFileMode(stat: FileStat): number {
  let mode = (stat.mode & 0o777) + GO_MODE_BITS[stat.kind];
  if (stat.mode & 0o4000) mode += 2 ** 23;
  if (stat.mode & 0o2000) mode += 2 ** 22;
  if (stat.mode & 0o1000) mode += 2 ** 20;
  return mode;
}

/** A nanosecond timestamp as Go's time.Time marshals it in UTC (trailing zeros of the fraction dropped). */
export function goTimeJson(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  const base = new Date(ms).toISOString().slice(0, 19);
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  return `${base}${frac ? `.${frac}` : ''}Z`;
}

const notFoundIn = (path: string, container: string) => notFound(`Could not find the file ${path} in container ${container}`);

/** Where a path given to the archive endpoints lands in the container root. */
interface ResolvedContainerPath {
  /** The path made absolute, trailing `/` or `/.` kept. */
  absolute: string;
  /** Relative to the root, the last element not followed (moby's ResolvePath). */
  resolved: string;
  stat: FileStat;
}

/** moby's ResolvePath + StatPath: the directory part resolved in scope, the last element taken as it is. */
async function resolvePath(root: FileTree, path: string, container: string): Promise<ResolvedContainerPath> {
  const absolute = absoluteContainerPath(path);
  const { dir, base } = splitPath(absolute);
  const resolvedDir = await resolveInScope(root, dir);
  const resolved = base === '' || base === '.' ? resolvedDir : joinTreePath(resolvedDir, base);
  const stat = await root.lstat(resolved);
  if (!stat) throw notFoundIn(path, container);
  // `dir/` and `dir/.` must name a directory (lstat of `file/` fails with ENOTDIR).
  if ((base === '' || base === '.') && stat.kind !== 'directory' && resolved !== '') throw new StrataError('internal', `lstat ${absolute}: not a directory`);
  return { absolute, resolved, stat };
}

/** `HEAD /containers/{id}/archive`: what is at `path` (a symlink is not followed; its target is given in scope). */
export async function statContainerPath(files: ContainerFiles, path: string, container: string): Promise<ContainerPathStat> {
  const root = files.mountedRoot ?? files.root;
  const { absolute, stat } = await resolvePath(root, path, container);
  let linkTarget = '';
  if (stat.kind === 'symlink') linkTarget = `/${await resolveInScope(root, absolute)}`;
  return { name: basePath(absolute), size: stat.size, mode: goFileMode(stat), mtime: goTimeJson(stat.mtimeNs), linkTarget };
}

/**
 * `GET /containers/{id}/archive`: the stat and a tar of what is at `path`, named as the CLI expects
 * (moby's TarResourceRebaseOpts): entries start with the last element of the path as the user
 * wrote it (`.` for `dir/.`), a symlink is archived as itself.
 */
export async function archiveContainerPath(files: ContainerFiles, path: string, container: string): Promise<{ stat: ContainerPathStat; archive: ReadableStream<Uint8Array> }> {
  const stat = await statContainerPath(files, path, container);
  const root = files.mountedRoot ?? files.root;
  const { absolute, resolved } = await resolvePath(root, path, container);
  const rebase = basePath(absolute);
  const prefix = resolved === '' || rebase === '/' ? '' : rebase;
  return { stat, archive: batchedTar(treeEntries(files, root, resolved, resolved === '' ? '/' : prefix)) };
}

/** Docker's tar of `start` and everything under it (depth-first, names in byte order), `start` named `as`. */
async function* treeEntries(files: ContainerFiles, tree: FileTree, start: string, as: string): AsyncGenerator<TarWriteEntry> {
  const links = new HardLinkGroups();
  const top = await tree.lstat(start);
  if (!top) return;
  const named = (path: string) => (path === start ? as : `${as === '/' ? '' : as}/${path.slice(start.length).replace(/^\//, '')}`);
  async function* visit(path: string, stat: FileStat): AsyncGenerator<TarWriteEntry> {
    const entry = dockerTarEntry(named(path), stat, files, stat.kind === 'file' ? await tree.xattrs(path) : undefined);
    if (!entry) return;
    if (stat.kind === 'directory') {
      yield entry;
      for (const child of await tree.list(path)) yield* visit(joinTreePath(path, child.name), child.stat);
      return;
    }
    const linked = links.link(entry, stat);
    yield linked.type === 'file' && linked.size > 0 ? { ...linked, body: await entryBody(tree, path, linked.size) } : linked;
  }
  yield* visit(start, top);
}

/**
 * `PUT /containers/{id}/archive`: unpack a tar into the directory at `path` (symlinks followed in
 * scope, the last one too). The runtime refuses entries that would leave it.
 */
export async function extractToContainer(
  files: ContainerFiles,
  path: string,
  container: string,
  tar: ReadableStream<Uint8Array>,
  options: { noOverwriteDirNonDir: boolean; readonlyRootfs?: boolean },
): Promise<void> {
  const absolute = absoluteContainerPath(path);
  const root = files.mountedRoot ?? files.root;
  const resolved = await resolveInScope(root, absolute);
  const stat = await root.lstat(resolved);
  if (!stat) {
    await tar.cancel().catch(() => undefined);
    throw notFoundIn(path, container);
  }
  if (stat.kind !== 'directory') {
    await tar.cancel().catch(() => undefined);
    throw invalid('extraction point is not a directory');
  }
  if (options.readonlyRootfs) {
    await tar.cancel().catch(() => undefined);
    throw new StrataError('forbidden', 'container rootfs is marked read-only');
  }
  await files.extract(resolved, tar, { noOverwriteDirNonDir: options.noOverwriteDirNonDir });
}
