import type { Hasher } from '../digest/index.js';
import { type FsNode, FsTree } from './fs-tree.js';

// The classic builder's COPY/ADD source hashes (`file:<hex>`, `dir:<hex>`, `multi:<hex>`), the
// part of the CreatedBy string and of the cache key that stands for the sources: tarsum v1 of
// each path (its header fields, mtime excluded, then its bytes), as builder/remotecontext does.

const typeflags: Record<FsNode['type'], string> = { file: '0', symlink: '2', char: '3', block: '4', directory: '5', fifo: '6' };
const typeBits: Record<FsNode['type'], number> = { file: 0o100000, symlink: 0o120000, char: 0o020000, block: 0o060000, directory: 0o040000, fifo: 0o010000 };
const utf8 = new TextEncoder();

/** The user name a uid is written with; Docker asks the build host (`root` for 0, else usually empty). */
export type NameOf = (id: number) => string;

export const rootOnlyNames: NameOf = (id) => (id === 0 ? 'root' : '');

/** Hashes made ahead of need (while the context arrives), by node: valid for that path only. */
const precomputed = new WeakMap<FsNode, { rel: string; names: NameOf; hash: string }>();

/** Hashes a context file now, so a COPY of it later finds its tarsum made (see contextTree). */
export function precomputePathHash(hasher: Hasher, rel: string, node: FsNode, names: NameOf = rootOnlyNames): void {
  precomputed.set(node, { rel, names, hash: pathHash(hasher, rel, node, names) });
}

/** tarsum v1 of one path: `name…mode…uid…` header fields, xattrs, then a regular file's bytes. */
export function pathHash(hasher: Hasher, rel: string, node: FsNode, names: NameOf = rootOnlyNames): string {
  const known = precomputed.get(node);
  if (known && known.rel === rel && known.names === names) return known.hash;
  const name = node.type === 'directory' && !rel.endsWith('/') ? `${rel}/` : rel;
  const fields: Array<[string, string]> = [
    ['name', name],
    ['mode', String((node.mode & 0o7777) | typeBits[node.type])],
    ['uid', String(node.uid)],
    ['gid', String(node.gid)],
    ['size', String(node.type === 'file' ? node.size : 0)],
    ['typeflag', typeflags[node.type]],
    ['linkname', node.type === 'symlink' ? node.linkname : ''],
    ['uname', names(node.uid)],
    ['gname', names(node.gid)],
    ['devmajor', String(node.devmajor)],
    ['devminor', String(node.devminor)],
  ];
  let header = '';
  for (const [k, v] of fields) header += k + v;
  const keys = Object.keys(node.pax);
  if (hasher.sha256Hex && keys.length === 0) {
    // One buffer, one call: thousands of small files make the per-hash setup the main cost.
    const head = utf8.encode(header);
    const body = node.type === 'file' && node.body ? node.body : undefined;
    if (!body || body.byteLength === 0) return hasher.sha256Hex(head);
    const all = new Uint8Array(head.byteLength + body.byteLength);
    all.set(head, 0);
    all.set(body, head.byteLength);
    return hasher.sha256Hex(all);
  }
  const h = hasher.create('sha256');
  h.update(utf8.encode(header));
  for (const key of keys.sort()) {
    h.update(utf8.encode(key.slice('SCHILY.xattr.'.length)));
    h.update(node.pax[key]);
  }
  if (node.type === 'file' && node.body && node.body.byteLength > 0) h.update(node.body);
  return h.hex();
}

/** sha256 of the hashes joined by commas, with its prefix (`dir:`, `multi:`). */
export function hashList(hasher: Hasher, prefix: string, hashes: string[]): string {
  const h = hasher.create('sha256');
  h.update(utf8.encode(hashes.join(',')));
  return `${prefix}:${h.hex()}`;
}

/**
 * The hash of a copy source at `rel` (already resolved): `file:` for a file, `dir:` over every
 * path under a directory (the directory itself included, sorted). As Docker, a symlink inside
 * the directory counts as the path it points to, and a dangling one is left out.
 */
export function sourceHash(hasher: Hasher, tree: FsTree, rel: string, names: NameOf = rootOnlyNames): string {
  const node = tree.get(rel);
  if (!node) throw new Error(`no such path ${rel}`);
  if (node.type !== 'directory') return `file:${pathHash(hasher, rel, node, names)}`;
  const hashes: string[] = [];
  const paths = rel === '.' ? tree.paths() : [rel, ...tree.paths(rel)];
  for (const p of paths) {
    // The walk only descends through real directories, so only a symlink itself needs resolving.
    const own = tree.get(p)!;
    const resolved = own.type === 'symlink' ? tree.resolve(p, true) : p;
    const target = own.type === 'symlink' ? tree.get(resolved) : own;
    if (!target) continue;
    hashes.push(pathHash(hasher, resolved, target, names));
  }
  return hashList(hasher, 'dir', hashes.sort());
}
