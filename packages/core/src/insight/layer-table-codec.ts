import type { LayerTable } from './layer-table.js';
import { LAYER_TABLE_VERSION } from './layer-table.js';

// "SLT" + version, u32 entry count n, u32 link count m, 4 bytes zero, f64 tarSize; then the
// columns: f64 sizes[n], mtimes[n], modes[n], uids[n], gids[n] (tar allows numbers past 32 bits),
// u32 path lengths[n] (UTF-16 units), u32 link entries[m], link lengths[m], u32 byte length of
// the text, kinds (n ASCII bytes), and the text: every path, then every link target, as one UTF-8 run.
const MAGIC = [0x53, 0x4c, 0x54, 0x30 + LAYER_TABLE_VERSION];
const HEAD = 24;
const columnBytes = (n: number, m: number) => HEAD + 44 * n + 8 * m + 4;

/**
 * A layer table as compact bytes: numbers as fixed-width columns and every path in one UTF-8
 * run, so reading it back is a few typed-array copies and one text decode, not a JSON parse of
 * an object per column value.
 */
export function encodeLayerTable(t: LayerTable): Uint8Array {
  const n = t.paths.length;
  const linkEntries = Object.keys(t.links).map(Number).sort((a, b) => a - b);
  const m = linkEntries.length;
  const linkTexts = linkEntries.map((i) => t.links[i]);
  const text = new TextEncoder().encode(t.paths.join('') + linkTexts.join(''));
  const numbers = columnBytes(n, m);
  const bytes = new Uint8Array(numbers + n + text.byteLength);
  const view = new DataView(bytes.buffer);
  bytes.set(MAGIC, 0);
  view.setUint32(4, n, true);
  view.setUint32(8, m, true);
  view.setFloat64(16, t.tarSize, true);
  let at = HEAD;
  const f64 = (xs: readonly number[]) => {
    for (const x of xs) (view.setFloat64(at, x, true), (at += 8));
  };
  const u32 = (xs: Iterable<number>) => {
    for (const x of xs) (view.setUint32(at, x, true), (at += 4));
  };
  f64(t.sizes);
  f64(t.mtimes);
  f64(t.modes);
  f64(t.uids);
  f64(t.gids);
  u32(t.paths.map((p) => p.length));
  u32(linkEntries);
  u32(linkTexts.map((l) => l.length));
  u32([text.byteLength]);
  for (let i = 0; i < n; i++) bytes[at + i] = t.kinds.charCodeAt(i);
  at += n;
  bytes.set(text, at);
  return bytes;
}

/** The table in bytes written by encodeLayerTable, or undefined for anything else (other version, torn, foreign). */
export function decodeLayerTable(bytes: Uint8Array): LayerTable | undefined {
  if (bytes.byteLength < HEAD || MAGIC.some((b, i) => bytes[i] !== b)) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getUint32(4, true);
  const m = view.getUint32(8, true);
  if (columnBytes(n, m) + n > bytes.byteLength) return undefined;
  let at = HEAD;
  const f64 = (count: number) => {
    const out = new Array<number>(count);
    for (let i = 0; i < count; i++) (out[i] = view.getFloat64(at, true)), (at += 8);
    return out;
  };
  const u32 = (count: number) => {
    const out = new Array<number>(count);
    for (let i = 0; i < count; i++) (out[i] = view.getUint32(at, true)), (at += 4);
    return out;
  };
  const tarSize = view.getFloat64(16, true);
  const sizes = f64(n);
  const mtimes = f64(n);
  const modes = f64(n);
  const uids = f64(n);
  const gids = f64(n);
  const pathLengths = u32(n);
  const linkEntries = u32(m);
  const linkLengths = u32(m);
  const textLength = view.getUint32(at, true);
  at += 4;
  if (at + n + textLength !== bytes.byteLength) return undefined;
  let kinds = '';
  // Chunks keep String.fromCharCode's argument list short.
  for (let i = 0; i < n; i += 8192) kinds += String.fromCharCode(...bytes.subarray(at + i, at + Math.min(n, i + 8192)));
  at += n;
  const text = new TextDecoder().decode(bytes.subarray(at));
  const paths = new Array<string>(n);
  let c = 0;
  for (let i = 0; i < n; i++) (paths[i] = text.slice(c, c + pathLengths[i])), (c += pathLengths[i]);
  const links: Record<number, string> = {};
  for (let j = 0; j < m; j++) (links[linkEntries[j]] = text.slice(c, c + linkLengths[j])), (c += linkLengths[j]);
  if (c !== text.length) return undefined;
  return { version: LAYER_TABLE_VERSION, paths, kinds, sizes, modes, uids, gids, mtimes, links, tarSize };
}
