import { invalid } from '../errors/index.js';
import { type TarEntry, type TarEntryType, TarHeaderScanner, cleanEntryPath } from '../layer/index.js';

/** One letter per entry kind, so a table keeps its kinds in one short string. */
export type EntryKind = 'f' | 'h' | 'l' | 'd' | 'c' | 'b' | 'p' | '?';

const kindOf: Partial<Record<TarEntryType, EntryKind>> = {
  file: 'f',
  contiguous: 'f',
  hardlink: 'h',
  symlink: 'l',
  directory: 'd',
  char: 'c',
  block: 'b',
  fifo: 'p',
};

/** Version of the persisted layout; a record of another version is rebuilt from the blob. */
export const LAYER_TABLE_VERSION = 1;

/**
 * Every header of one layer as columns (no object per entry): cleaned path, kind, size, permission
 * bits, owner, mtime and link target. Whiteouts and opaque markers are kept as the tar names them
 * (`dir/.wh.name`, `dir/.wh..wh..opq`); the analysis interprets them. This is the record the store
 * keeps per diffID (namespace `layer-index`); JSON-safe as it is.
 */
export interface LayerTable {
  version: typeof LAYER_TABLE_VERSION;
  paths: string[];
  /** `kinds[i]` is entry i's kind letter. */
  kinds: string;
  sizes: number[];
  modes: number[];
  uids: number[];
  gids: number[];
  mtimes: number[];
  /** Link targets of hard and symbolic links, by entry position. */
  links: Record<number, string>;
  /** Bytes of the uncompressed tar. */
  tarSize: number;
}

/** Collects a LayerTable from tar headers as they stream by (feed it to TarHeaderScanner). */
export class LayerTableBuilder {
  private readonly paths: string[] = [];
  private kinds = '';
  private readonly sizes: number[] = [];
  private readonly modes: number[] = [];
  private readonly uids: number[] = [];
  private readonly gids: number[] = [];
  private readonly mtimes: number[] = [];
  private readonly links: Record<number, string> = {};

  /** Record one header (pax-global headers are not entries of the layer and are skipped). */
  add(e: TarEntry): void {
    if (e.type === 'pax-global') return;
    const i = this.paths.length;
    this.paths.push(cleanEntryPath(e.path));
    this.kinds += kindOf[e.type] ?? '?';
    this.sizes.push(e.size);
    this.modes.push(e.mode);
    this.uids.push(e.uid);
    this.gids.push(e.gid);
    this.mtimes.push(e.mtime);
    if (e.type === 'hardlink' || e.type === 'symlink') this.links[i] = e.linkname;
  }

  /** The table, once every header was added. */
  table(tarSize: number): LayerTable {
    return {
      version: LAYER_TABLE_VERSION,
      paths: this.paths,
      kinds: this.kinds,
      sizes: this.sizes,
      modes: this.modes,
      uids: this.uids,
      gids: this.gids,
      mtimes: this.mtimes,
      links: this.links,
      tarSize,
    };
  }
}

/** The table of an uncompressed layer tar, read header by header (bodies skipped, never copied). */
export async function tableOfLayer(tar: ReadableStream<Uint8Array>): Promise<LayerTable> {
  const builder = new LayerTableBuilder();
  const scanner = new TarHeaderScanner((e) => builder.add(e));
  for await (const chunk of tar as unknown as AsyncIterable<Uint8Array>) scanner.push(chunk);
  scanner.end();
  return builder.table(scanner.offset);
}

/** True when a stored record has the shape this version writes (anything else is rebuilt). */
export function isLayerTable(v: unknown): v is LayerTable {
  if (typeof v !== 'object' || v === null) return false;
  const t = v as Partial<LayerTable>;
  const n = t.paths?.length;
  return (
    t.version === LAYER_TABLE_VERSION &&
    Array.isArray(t.paths) &&
    typeof t.kinds === 'string' &&
    t.kinds.length === n &&
    [t.sizes, t.modes, t.uids, t.gids, t.mtimes].every((c) => Array.isArray(c) && c.length === n) &&
    typeof t.links === 'object' &&
    t.links !== null &&
    typeof t.tarSize === 'number'
  );
}

/** Throws unless `v` is a LayerTable (for tables that arrive from outside). */
export function checkLayerTable(v: unknown, what: string): LayerTable {
  if (!isLayerTable(v)) throw invalid(`${what}: not a layer index of version ${LAYER_TABLE_VERSION}`);
  return v;
}
