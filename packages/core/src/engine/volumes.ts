import { conflict, invalid, notFound, unavailable } from '../errors/index.js';
import { type ContainerMount, type MountRequest, checkVolumeName } from '../lifecycle/index.js';
import type { Filters } from './api.js';
import type { ContainerStore } from './container-store.js';
import type { MetadataStore, Random } from './ports.js';
import { SerialQueue } from './serial.js';
import type { VolumeCreateBody, VolumeEngine, VolumeInfo } from './volume-api.js';
import type { VolumeStore } from './volume-port.js';

const VOLUMES = 'volumes';

/** A volume's record: what inspect shows, plus whether a container made it without a name. */
interface VolumeRecord extends VolumeInfo {
  anonymous: boolean;
}

const hex = (bytes: Uint8Array): string => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');

/** dockerd's `CreatedAt`: RFC 3339 to the second. */
const createdAt = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

const info = (r: VolumeRecord): VolumeInfo => ({
  CreatedAt: r.CreatedAt, Driver: r.Driver, Labels: r.Labels, Mountpoint: r.Mountpoint, Name: r.Name, Options: r.Options, Scope: r.Scope,
});

/**
 * Docker's local volumes: records in the MetadataStore (namespace `volumes`), data directories
 * through the VolumeStore port. A volume is in use while any container record mounts it.
 */
export class VolumeService implements VolumeEngine {
  private readonly serial = new SerialQueue();

  constructor(
    private readonly ctx: { metadata: MetadataStore; random: Random; store?: VolumeStore; containers: ContainerStore; nowMs(): number },
  ) {}

  private requireStore(): VolumeStore {
    if (!this.ctx.store) throw unavailable('volumes are not available in this engine');
    return this.ctx.store;
  }

  private async record(name: string): Promise<VolumeRecord | undefined> {
    return this.ctx.metadata.get<VolumeRecord>(VOLUMES, name);
  }

  /** Create (or return) a volume; `anonymous` volumes get a random 64-hex name. */
  private async make(name: string, anonymous: boolean, labels: Record<string, string> | null): Promise<{ record: VolumeRecord; created: boolean }> {
    const existing = await this.record(name);
    if (existing) return { record: existing, created: false };
    const Mountpoint = await this.requireStore().create(name);
    const record: VolumeRecord = { CreatedAt: createdAt(this.ctx.nowMs()), Driver: 'local', Labels: labels, Mountpoint, Name: name, Options: null, Scope: 'local', anonymous };
    try {
      await this.ctx.metadata.put(VOLUMES, name, record);
    } catch (e) {
      await this.requireStore().remove(name).catch(() => undefined);
      throw e;
    }
    return { record, created: true };
  }

  async createVolume(body: VolumeCreateBody = {}): Promise<VolumeInfo> {
    const driver = body.Driver || 'local';
    if (driver !== 'local') throw notFound(`error looking up volume plugin ${driver}: plugin "${driver}" not found`);
    if (body.DriverOpts && Object.keys(body.DriverOpts).length) throw invalid('create: volume options (type, device, o) are not supported by this engine');
    const name = body.Name || hex(this.ctx.random.bytes(32));
    checkVolumeName(name);
    const labels = body.Labels && Object.keys(body.Labels).length ? body.Labels : null;
    return this.serial.run(async () => info((await this.make(name, !body.Name, labels)).record));
  }

  async listVolumes(options: { filters?: Filters } = {}): Promise<{ Volumes: VolumeInfo[]; Warnings: null }> {
    const filters = options.filters ?? {};
    for (const key of Object.keys(filters)) {
      if (!['dangling', 'name', 'label', 'driver'].includes(key)) throw invalid(`Invalid filter '${key}'`);
    }
    const used = await this.usedNames();
    const rows = (await this.ctx.metadata.list<VolumeRecord>(VOLUMES)).map(([, r]) => r);
    const out = rows.filter((r) => matches(r, filters, used)).sort((a, b) => a.Name.localeCompare(b.Name));
    return { Volumes: out.map(info), Warnings: null };
  }

  async inspectVolume(name: string): Promise<VolumeInfo> {
    const r = await this.record(name);
    if (!r) throw notFound(`get ${name}: no such volume`);
    return info(r);
  }

  removeVolume(name: string, options: { force?: boolean } = {}): Promise<void> {
    return this.serial.run(async () => {
      const r = await this.record(name);
      if (!r) {
        if (options.force) return;
        throw notFound(`get ${name}: no such volume`);
      }
      const users = await this.volumeUsers(name);
      if (users.length) throw conflict(`remove ${name}: volume is in use - [${users.join(', ')}]`);
      await this.forget(name);
    });
  }

  private async forget(name: string): Promise<void> {
    // The record goes first: a crash in between leaves a directory, never a record without data.
    await this.ctx.metadata.delete(VOLUMES, name);
    await this.requireStore().remove(name);
  }

  pruneVolumes(options: { filters?: Filters } = {}): Promise<{ VolumesDeleted: string[]; SpaceReclaimed: number }> {
    const filters = options.filters ?? {};
    for (const key of Object.keys(filters)) if (key !== 'label') throw invalid(`Invalid filter '${key}'`);
    return this.serial.run(async () => {
      const used = await this.usedNames();
      const deleted: string[] = [];
      let space = 0;
      for (const [, r] of await this.ctx.metadata.list<VolumeRecord>(VOLUMES)) {
        if (used.has(r.Name) || !matches(r, filters, used)) continue;
        space += (await this.ctx.store?.size?.(r.Name).catch(() => 0)) ?? 0;
        await this.forget(r.Name);
        deleted.push(r.Name);
      }
      return { VolumesDeleted: deleted.sort(), SpaceReclaimed: space };
    });
  }

  /** `system df` entries: each volume with its size (-1 when the store cannot tell) and how many containers use it. */
  async usage(): Promise<Array<VolumeInfo & { UsageData: { Size: number; RefCount: number } }>> {
    const out: Array<VolumeInfo & { UsageData: { Size: number; RefCount: number } }> = [];
    for (const [, r] of await this.ctx.metadata.list<VolumeRecord>(VOLUMES)) {
      const size = this.ctx.store?.size ? await this.ctx.store.size(r.Name).catch(() => -1) : -1;
      out.push({ ...info(r), UsageData: { Size: size, RefCount: (await this.volumeUsers(r.Name)).length } });
    }
    return out.sort((a, b) => a.Name.localeCompare(b.Name));
  }

  async volumeUsers(name: string): Promise<string[]> {
    return (await this.ctx.containers.all()).filter((c) => c.mounts?.some((m) => m.type === 'volume' && m.source === name)).map((c) => c.id).sort();
  }

  private async usedNames(): Promise<Set<string>> {
    const used = new Set<string>();
    for (const c of await this.ctx.containers.all()) for (const m of c.mounts ?? []) if (m.type === 'volume') used.add(m.source);
    return used;
  }

  /**
   * The mounts of a new container with their volumes made (named ones when missing, anonymous
   * ones always). `undo` removes the volumes this call created, for a create that fails later.
   */
  resolveMounts(requests: MountRequest[]): Promise<{ mounts: ContainerMount[]; undo(): Promise<void> }> {
    return this.serial.run(async () => {
      const made: string[] = [];
      const undo = async () => {
        for (const name of made) await this.forget(name).catch(() => undefined);
      };
      try {
        const mounts: ContainerMount[] = [];
        for (const m of requests) {
          if (m.type !== 'volume') {
            mounts.push({ ...m, hostPath: m.type === 'bind' ? m.source : '', anonymous: false });
            continue;
          }
          const anonymous = m.source === '';
          const name = anonymous ? hex(this.ctx.random.bytes(32)) : m.source;
          const { record, created } = await this.make(name, anonymous, null);
          if (created) made.push(name);
          mounts.push({ ...m, source: name, hostPath: record.Mountpoint, anonymous: record.anonymous });
        }
        return { mounts, undo };
      } catch (e) {
        await undo();
        throw e;
      }
    });
  }

  /** `docker rm -v`: the container's anonymous volumes that no other container uses. */
  async removeAnonymous(mounts: ContainerMount[], exceptContainer: string): Promise<void> {
    for (const m of mounts) {
      if (m.type !== 'volume' || !m.anonymous) continue;
      const users = (await this.volumeUsers(m.source)).filter((id) => id !== exceptContainer);
      if (users.length === 0 && (await this.record(m.source))) await this.serial.run(() => this.forget(m.source));
    }
  }
}

function matches(r: VolumeRecord, filters: Filters, used: Set<string>): boolean {
  for (const v of filters.dangling ?? []) {
    const dangling = v === 'true' || v === '1';
    if (dangling === used.has(r.Name)) return false;
  }
  if (filters.name?.length && !filters.name.some((n) => r.Name.includes(n))) return false;
  if (filters.driver?.length && !filters.driver.includes(r.Driver)) return false;
  for (const l of filters.label ?? []) {
    const [k = '', v] = l.split('=', 2);
    const have = r.Labels?.[k];
    if (have === undefined || (v !== undefined && have !== v)) return false;
  }
  return true;
}
