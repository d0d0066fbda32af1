import { type Digest, digestHex } from '../digest/index.js';
import { StrataError, notFound } from '../errors/index.js';
import { type LayerTable, decodeLayerTable, encodeLayerTable, isLayerTable, tableOfLayer } from '../insight/index.js';
import { decompressedStream } from '../layer/index.js';
import type { ImageStore } from './image-store.js';
import type { EnginePorts } from './ports.js';

/** MetadataStore namespace of the per-layer indexes (key: diffID hex), kept as bytes (encodeLayerTable). */
export const LAYER_INDEX_NAMESPACE = 'layer-index';

/**
 * The layer indexes the store keeps, one record per diffID. A missing or outdated record is
 * rebuilt from the layer blob (the source of truth) and written back; tables read once stay in
 * memory, since layers are immutable.
 */
export class LayerTables {
  private readonly cache = new Map<Digest, Promise<LayerTable>>();

  constructor(
    private readonly ports: EnginePorts,
    private readonly store: ImageStore,
  ) {}

  /** The table of a layer, from the record, or from the blob when there is none. */
  table(diffId: Digest): Promise<LayerTable> {
    let hit = this.cache.get(diffId);
    if (!hit) {
      hit = this.load(diffId);
      this.cache.set(diffId, hit);
      hit.catch(() => this.cache.delete(diffId));
    }
    return hit;
  }

  /** Record a table computed elsewhere (at load, from the headers already scanned). */
  async record(diffId: Digest, table: LayerTable): Promise<void> {
    await this.keep(diffId, table);
    this.cache.set(diffId, Promise.resolve(table));
  }

  private async keep(diffId: Digest, table: LayerTable): Promise<void> {
    const metadata = this.ports.metadata;
    if (metadata.putBytes) await metadata.putBytes(LAYER_INDEX_NAMESPACE, digestHex(diffId), [encodeLayerTable(table)]);
    else await metadata.put(LAYER_INDEX_NAMESPACE, digestHex(diffId), table);
  }

  private async load(diffId: Digest): Promise<LayerTable> {
    const metadata = this.ports.metadata;
    const bytes = await metadata.getBytes?.(LAYER_INDEX_NAMESPACE, digestHex(diffId));
    const decoded = bytes && decodeLayerTable(bytes);
    if (decoded) return decoded;
    // Stores written before the bytes form, and stores without bytes records, hold JSON.
    const stored = await metadata.get<unknown>(LAYER_INDEX_NAMESPACE, digestHex(diffId)).catch((e: unknown) => {
      // A corrupt record is rebuilt like a missing one.
      if (e instanceof StrataError && e.kind === 'internal') return undefined;
      throw e;
    });
    if (isLayerTable(stored)) return stored;
    const layer = await this.store.layer(diffId);
    if (!layer) throw notFound(`layer ${diffId} is not in the store`);
    const { stream } = await decompressedStream(await this.ports.content.read(layer.blob), this.ports.codecs);
    const table = await tableOfLayer(stream);
    await this.keep(diffId, table);
    return table;
  }
}

const byPorts = new WeakMap<EnginePorts, LayerTables>();

/** The LayerTables of an engine (one per set of ports, so its cache is shared by every call). */
export function layerTablesOf(ports: EnginePorts, store: ImageStore): LayerTables {
  let t = byPorts.get(ports);
  if (!t) byPorts.set(ports, (t = new LayerTables(ports, store)));
  return t;
}
