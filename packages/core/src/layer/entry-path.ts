import { invalid } from '../errors/index.js';

/** The path components of a relative name, `.` and empty parts dropped, `..` applied; undefined if it climbs out. */
function resolveComponents(name: string): string[] | undefined {
  const out: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length === 0) return undefined;
      out.pop();
    } else out.push(part);
  }
  return out;
}

/**
 * A tar entry name as a clean relative path (`./a/` -> `a`, `a//b` -> `a/b`, `./` -> `.`).
 * Absolute names and `..` that climbs above the layer root are a hostile layer: invalid.
 */
export function cleanEntryPath(name: string): string {
  if (name.startsWith('/')) throw invalid(`invalid tar entry name ${JSON.stringify(name)}: absolute paths are not allowed in a layer`);
  if (name.includes('\0')) throw invalid(`invalid tar entry name ${JSON.stringify(name)}: NUL byte`);
  const parts = resolveComponents(name);
  if (!parts) throw invalid(`${JSON.stringify(name)} is outside of the layer root`);
  return parts.length === 0 ? '.' : parts.join('/');
}

/**
 * True when a hardlink target (relative to the archive root, as tar stores it) is absolute or
 * climbs out of the root. Symlink targets are not checked here: they may be absolute or dangling.
 */
export function linkTargetEscapes(linkname: string): boolean {
  return linkname.startsWith('/') || resolveComponents(linkname) === undefined;
}
