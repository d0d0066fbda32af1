import { conflict, notFound } from '../errors/index.js';
import type { ContainerRecord } from '../lifecycle/index.js';
import type { MetadataStore } from './ports.js';
import { newestFirst } from './container-order.js';

const CONTAINERS = 'containers';
/**
 * Container records are written as dockerd writes its container configs: the record synced before
 * its rename, the directory not (a power loss may bring back the previous state, never a torn one);
 * `docker run --rm` writes the record at create and start and deletes it at exit.
 */
const AS_DOCKERD = { syncDirectory: false };
/**
 * An AutoRemove container is removed when it exits, and after a power loss it has exited: its record
 * needs no sync at all (an engine crash still finds it in the page cache and re-adoption finishes it).
 */
const DISPOSABLE = { syncDirectory: false, syncFile: false };

const writeOptionsOf = (r: ContainerRecord) => (r.hostConfig.AutoRemove === true ? DISPOSABLE : AS_DOCKERD);

/**
 * Container records over the MetadataStore (namespace `containers`, one atomic record per
 * container). The engine owns its data root, so records are read once and served from memory;
 * every change is written through before it becomes visible.
 */
export class ContainerStore {
  private cache: Promise<Map<string, ContainerRecord>> | undefined;
  private changes = 0;
  private ordered: { changes: number; rows: ContainerRecord[] } | undefined;

  constructor(private readonly metadata: MetadataStore) {}

  private map(): Promise<Map<string, ContainerRecord>> {
    this.cache ??= this.metadata.list<ContainerRecord>(CONTAINERS).then((rows) => new Map(rows.map(([, v]) => [v.id, v])));
    return this.cache;
  }

  async all(): Promise<ContainerRecord[]> {
    return [...(await this.map()).values()];
  }

  /** Every record, newest first (`docker ps` order), sorted again only after a record changed. */
  async newestFirst(): Promise<readonly ContainerRecord[]> {
    const map = await this.map();
    if (this.ordered?.changes !== this.changes) this.ordered = { changes: this.changes, rows: newestFirst([...map.values()]) };
    return this.ordered.rows;
  }

  async get(id: string): Promise<ContainerRecord | undefined> {
    return (await this.map()).get(id);
  }

  async put(r: ContainerRecord): Promise<void> {
    const map = await this.map();
    await this.metadata.put(CONTAINERS, r.id, r, writeOptionsOf(r));
    map.set(r.id, r);
    this.changes++;
  }

  /**
   * Change a record in memory only: for the last states of a record about to be deleted, which a
   * crash need not keep (re-adoption finds the exit in the runtime and finishes the removal).
   */
  async remember(r: ContainerRecord): Promise<void> {
    (await this.map()).set(r.id, r);
    this.changes++;
  }

  async delete(id: string): Promise<void> {
    const map = await this.map();
    const known = map.get(id);
    await this.metadata.delete(CONTAINERS, id, known ? writeOptionsOf(known) : AS_DOCKERD);
    map.delete(id);
    this.changes++;
  }

  /**
   * Delete a record from memory at once and from disk in the returned promise: for an AutoRemove
   * exit, whose `removed` waiters need not wait for the file (a crash before it goes leaves a record
   * that re-adoption removes again).
   */
  async forget(id: string): Promise<{ deleted: Promise<void> }> {
    const map = await this.map();
    const known = map.get(id);
    map.delete(id);
    this.changes++;
    return { deleted: this.metadata.delete(CONTAINERS, id, known ? writeOptionsOf(known) : AS_DOCKERD) };
  }

  /** The container holding a name (with its leading `/`), if any. */
  async byName(name: string): Promise<ContainerRecord | undefined> {
    for (const r of (await this.map()).values()) if (r.name === name) return r;
    return undefined;
  }

  /** Resolve as dockerd does: full ID, exact name, then a unique ID prefix; `No such container: X`. */
  async resolve(nameOrId: string): Promise<ContainerRecord> {
    const map = await this.map();
    const exact = map.get(nameOrId);
    if (exact) return exact;
    if (nameOrId) {
      const byName = await this.byName(nameOrId.startsWith('/') ? nameOrId : `/${nameOrId}`);
      if (byName) return byName;
      if (/^[0-9a-f]+$/.test(nameOrId)) {
        const matches = [...map.values()].filter((r) => r.id.startsWith(nameOrId));
        if (matches.length === 1) return matches[0];
        if (matches.length > 1) throw conflict(`Multiple IDs found with provided prefix: ${nameOrId}`);
      }
    }
    throw notFound(`No such container: ${nameOrId}`);
  }
}
