import { StrataError } from '../errors/index.js';
import type { FileTree } from '../lifecycle/index.js';

const MAX_SYMLINKS = 255;

/** Path components of a `/`-separated path, empty ones dropped. */
const parts = (path: string): string[] => path.split('/').filter((p) => p !== '');

/**
 * moby's symlink.FollowSymlinkInScope: `path` (as the container names it) resolved inside the
 * container root, every symlink followed the way the container would follow it, `..` and absolute
 * targets stopping at the root. Components that do not exist are kept, so the result can be
 * created. The result is relative to the root (`''` = the root itself): it never leaves it.
 */
export async function resolveInScope(tree: FileTree, path: string): Promise<string> {
  const pending = parts(path);
  const resolved: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '.') continue;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const candidate = [...resolved, part].join('/');
    const stat = await tree.lstat(candidate);
    if (stat?.kind !== 'symlink') {
      resolved.push(part);
      continue;
    }
    if (++links > MAX_SYMLINKS) throw new StrataError('invalid', `too many links in ${path}`);
    const target = stat.linkTarget ?? '';
    if (target.startsWith('/')) resolved.length = 0;
    pending.unshift(...parts(target));
  }
  return resolved.join('/');
}

/** Go's filepath.Clean of an absolute `/`-separated path. */
export function cleanAbsolute(path: string): string {
  const out: string[] = [];
  for (const p of parts(path)) {
    if (p === '.') continue;
    if (p === '..') out.pop();
    else out.push(p);
  }
  return `/${out.join('/')}`;
}

/**
 * moby's PreserveTrailingDotOrSeparator(Join("/", path), path): the path made absolute and clean,
 * keeping a trailing `/.` or `/` the user wrote (they change what docker cp copies).
 */
export function absoluteContainerPath(path: string): string {
  let clean = cleanAbsolute(path);
  if (basePath(clean) !== '.' && basePath(path) === '.') clean = `${clean.endsWith('/') ? clean : `${clean}/`}.`;
  if (!clean.endsWith('/') && path.endsWith('/')) clean += '/';
  return clean;
}

/** Go's filepath.Split: everything up to and including the last `/`, and the rest. */
export function splitPath(path: string): { dir: string; base: string } {
  const i = path.lastIndexOf('/');
  return { dir: path.slice(0, i + 1), base: path.slice(i + 1) };
}

/** Go's filepath.Base: the last element, trailing slashes ignored; `/` for the root. */
export function basePath(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  if (trimmed === '') return path === '' ? '.' : '/';
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}
