import { invalid } from '../errors/index.js';
import { cleanEntryPath } from './entry-path.js';

/** Prefix of a whiteout name: `dir/.wh.name` deletes `dir/name` from lower layers. */
export const WHITEOUT_PREFIX = '.wh.';
/** Prefix of AUFS metadata names (`.wh..wh.plnk`, `.wh..wh.aufs`, ...). */
export const WHITEOUT_META_PREFIX = '.wh..wh.';
/** The opaque marker: `dir/.wh..wh..opq` hides everything lower layers had in `dir`. */
export const OPAQUE_WHITEOUT = '.wh..wh..opq';

const split = (path: string): { dir: string; base: string } => {
  const clean = cleanEntryPath(path);
  const slash = clean.lastIndexOf('/');
  return slash < 0 ? { dir: '', base: clean } : { dir: clean.slice(0, slash), base: clean.slice(slash + 1) };
};
const join = (dir: string, base: string): string => (dir ? `${dir}/${base}` : base);

/** True for the opaque marker `dir/.wh..wh..opq`. */
export const isOpaque = (path: string): boolean => split(path).base === OPAQUE_WHITEOUT;

/** True for AUFS bookkeeping (`.wh..wh.plnk/...`, `.wh..wh.aufs`): skipped when applying a layer. */
export function isAufsMetadata(path: string): boolean {
  const clean = cleanEntryPath(path);
  return clean.split('/').some((part) => part.startsWith(WHITEOUT_META_PREFIX) && part !== OPAQUE_WHITEOUT);
}

/** True for a whiteout `dir/.wh.<name>` (not the opaque marker, not AUFS metadata). */
export function isWhiteout(path: string): boolean {
  const { base } = split(path);
  return base.startsWith(WHITEOUT_PREFIX) && !base.startsWith(WHITEOUT_META_PREFIX) && !isAufsMetadata(path);
}

/** The path a whiteout deletes (`a/.wh.b` -> `a/b`); `.wh.` with no name is invalid. */
export function whiteoutTarget(path: string): string {
  const { dir, base } = split(path);
  if (!base.startsWith(WHITEOUT_PREFIX) || base.startsWith(WHITEOUT_META_PREFIX)) {
    throw invalid(`${JSON.stringify(path)} is not a whiteout`);
  }
  const name = base.slice(WHITEOUT_PREFIX.length);
  if (name === '') throw invalid(`invalid whiteout ${JSON.stringify(path)}: no name after ${WHITEOUT_PREFIX}`);
  return join(dir, name);
}

/** The directory an opaque marker empties (`a/.wh..wh..opq` -> `a`, root -> `.`). */
export function opaqueDirectory(path: string): string {
  const { dir, base } = split(path);
  if (base !== OPAQUE_WHITEOUT) throw invalid(`${JSON.stringify(path)} is not an opaque whiteout`);
  return dir || '.';
}

/** The whiteout entry name that deletes `path` (`a/b` -> `a/.wh.b`). */
export function makeWhiteout(path: string): string {
  const { dir, base } = split(path);
  if (base === '.') throw invalid('cannot white out the layer root');
  return join(dir, WHITEOUT_PREFIX + base);
}

/** The opaque marker entry name for a directory (`a` -> `a/.wh..wh..opq`). */
export function makeOpaque(dir: string): string {
  const clean = cleanEntryPath(dir);
  return clean === '.' ? OPAQUE_WHITEOUT : join(clean, OPAQUE_WHITEOUT);
}
