import { StrataError, invalid, notFound } from '../errors/index.js';
import {
  BRIDGE_GATEWAY,
  BRIDGE_PREFIX_LENGTH,
  BRIDGE_SUBNET,
  type ContainerEndpoint,
  type ContainerRecord,
  isRunning,
  macOfAddress,
  nextBridgeAddress,
  portBindings,
} from '../lifecycle/index.js';
import type { Filters } from './api.js';
import type { ContainerStore } from './container-store.js';
import type { NetworkEngine, NetworkInfo } from './network-api.js';
import type { NetworkPort } from './network-port.js';
import type { MetadataStore, Random } from './ports.js';
import { SerialQueue } from './serial.js';

const NETWORKS = 'networks';
const BUILT_IN = [
  { name: 'bridge', driver: 'bridge' },
  { name: 'host', driver: 'host' },
  { name: 'none', driver: 'null' },
] as const;

/** How a container is networked, from its `NetworkMode` (`default` is the bridge). */
export type NetworkMode = 'bridge' | 'host' | 'none';

/** The mode of a kept HostConfig. */
export function networkModeOf(hostConfig: Record<string, unknown>): NetworkMode {
  const mode = hostConfig.NetworkMode;
  return mode === 'host' || mode === 'none' ? mode : 'bridge';
}

/** Refuse, at create, modes this engine does not have (dockerd's wording for unknown networks). */
export function checkNetworkMode(hostConfig: Record<string, unknown>): void {
  const mode = hostConfig.NetworkMode;
  if (mode === undefined || mode === null || mode === '' || mode === 'default' || mode === 'bridge' || mode === 'host' || mode === 'none') return;
  if (typeof mode !== 'string') throw invalid('NetworkMode must be a string');
  if (mode.startsWith('container:')) throw invalid(`network mode ${mode}: joining another container's network is not supported yet`);
  throw notFound(`network ${mode} not found`);
}

const hex = (bytes: Uint8Array): string => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');

/**
 * The built-in networks and the bridge's bookkeeping: addresses handed out lowest-free from
 * 172.17.0.2 while a container runs, published ports bound through the NetworkPort, and
 * re-adoption of running containers' forwards after an engine restart.
 */
export class NetworkService implements NetworkEngine {
  private readonly allocation = new SerialQueue();
  /** Addresses handed out in this engine's life, by container (records may not be saved yet). */
  private readonly assigned = new Map<string, string>();

  constructor(
    private readonly ctx: { metadata: MetadataStore; random: Random; port?: NetworkPort; containers: ContainerStore; now(): string },
  ) {}

  /** The bridge exists only where the port can build it (as dockerd with `--bridge=none` has none). */
  private async bridgeUsable(): Promise<boolean> {
    return this.ctx.port !== undefined && (await this.ctx.port.available()).ok;
  }

  private async identity(name: string): Promise<{ Id: string; Created: string }> {
    const known = await this.ctx.metadata.get<{ Id: string; Created: string }>(NETWORKS, name);
    if (known) return known;
    const made = { Id: hex(this.ctx.random.bytes(32)), Created: this.ctx.now() };
    await this.ctx.metadata.put(NETWORKS, name, made);
    return made;
  }

  /**
   * Give the built-in networks their IDs when the engine starts (dockerd makes them at its first start),
   * so that looking a network up later never writes: a lookup of something that does not exist must
   * leave the store as it was.
   */
  async ensureIdentities(): Promise<void> {
    for (const n of BUILT_IN) await this.identity(n.name);
  }

  private async describe(name: string, driver: string, withContainers: boolean): Promise<NetworkInfo> {
    const { Id, Created } = await this.identity(name);
    const bridge = name === 'bridge';
    const containers: NetworkInfo['Containers'] = {};
    if (withContainers && bridge) {
      for (const r of await this.ctx.containers.all()) {
        const ep = r.endpoint;
        if (!ep) continue;
        containers[r.id] = { Name: r.name.slice(1), EndpointID: ep.endpointId, MacAddress: ep.macAddress, IPv4Address: `${ep.ipAddress}/${ep.prefixLength}`, IPv6Address: '' };
      }
    }
    return {
      Name: name, Id, Created, Scope: 'local', Driver: driver, EnableIPv6: false,
      IPAM: { Driver: 'default', Options: null, Config: bridge ? [{ Subnet: BRIDGE_SUBNET, Gateway: BRIDGE_GATEWAY }] : [] },
      Internal: false, Attachable: false, Ingress: false, ConfigFrom: { Network: '' }, ConfigOnly: false, Containers: containers,
      Options: bridge
        ? {
            'com.docker.network.bridge.default_bridge': 'true',
            'com.docker.network.bridge.enable_icc': 'true',
            'com.docker.network.bridge.enable_ip_masquerade': 'false',
            'com.docker.network.bridge.host_binding_ipv4': this.ctx.port?.defaultHostIp ?? '0.0.0.0',
            'com.docker.network.bridge.name': 'strata0',
            'com.docker.network.driver.mtu': '1500',
          }
        : {},
      Labels: {},
    };
  }

  private async builtIns(): Promise<Array<{ name: string; driver: string }>> {
    const bridge = await this.bridgeUsable();
    return BUILT_IN.filter((n) => bridge || n.name !== 'bridge');
  }

  async listNetworks(options: { filters?: Filters } = {}): Promise<NetworkInfo[]> {
    const filters = options.filters ?? {};
    const out: NetworkInfo[] = [];
    for (const n of await this.builtIns()) {
      const info = await this.describe(n.name, n.driver, false);
      if (filters.name?.length && !filters.name.some((f) => info.Name.includes(f))) continue;
      if (filters.id?.length && !filters.id.some((f) => info.Id.startsWith(f))) continue;
      if (filters.driver?.length && !filters.driver.includes(info.Driver)) continue;
      if (filters.type?.length && !filters.type.includes('builtin')) continue;
      out.push(info);
    }
    return out;
  }

  async inspectNetwork(name: string): Promise<NetworkInfo> {
    const all = await this.builtIns();
    const byName = all.find((n) => n.name === name);
    if (byName) return this.describe(byName.name, byName.driver, true);
    const ids = await Promise.all(all.map(async (n) => ({ n, id: (await this.identity(n.name)).Id })));
    const found = ids.filter(({ id }) => name.length > 0 && id.startsWith(name));
    if (found.length === 1) return this.describe(found[0]!.n.name, found[0]!.n.driver, true);
    throw notFound(`network ${name} not found`);
  }

  /** Whether a container with this host config gets a namespace of the bridge (made at its start). */
  joinsBridge(hostConfig: Record<string, unknown>): boolean {
    return networkModeOf(hostConfig) === 'bridge' && this.ctx.port !== undefined;
  }

  /** The namespace path runc joins, when the container goes on the bridge. */
  sandboxKey(r: ContainerRecord): string | undefined {
    return this.joinsBridge(r.hostConfig) ? this.ctx.port!.sandboxKey(r.id) : undefined;
  }

  /**
   * Put a container that is about to start on the bridge: the lowest free address, its namespace
   * and veth, then its published ports (all or none). A failure leaves nothing behind.
   */
  async connect(r: ContainerRecord): Promise<ContainerEndpoint | undefined> {
    const port = this.ctx.port;
    if (networkModeOf(r.hostConfig) !== 'bridge') return undefined;
    if (!port || !(await port.available()).ok) {
      // As dockerd with no default bridge: the container runs with loopback only and says so.
      r.config.NetworkDisabled = true;
      return undefined;
    }
    const ipAddress = await this.allocation.run(async () => {
      this.assigned.delete(r.id);
      const taken = new Set(this.assigned.values());
      for (const c of await this.ctx.containers.all()) if (c.endpoint && c.id !== r.id) taken.add(c.endpoint.ipAddress);
      const ip = nextBridgeAddress(taken);
      this.assigned.set(r.id, ip);
      return ip;
    });
    const endpoint: ContainerEndpoint = {
      networkId: (await this.identity('bridge')).Id,
      endpointId: hex(this.ctx.random.bytes(32)),
      ipAddress,
      macAddress: macOfAddress(ipAddress),
      gateway: BRIDGE_GATEWAY,
      prefixLength: BRIDGE_PREFIX_LENGTH,
      sandboxKey: port.sandboxKey(r.id),
      ports: [],
    };
    try {
      await port.detach(r.id);
      await port.attach(r.id, { ipAddress, macAddress: endpoint.macAddress, gateway: endpoint.gateway, prefixLength: endpoint.prefixLength });
      const wanted = portBindings(r.hostConfig, r.config.ExposedPorts);
      try {
        endpoint.ports = await port.publish(r.id, ipAddress, wanted);
      } catch (e) {
        const why = e instanceof Error ? e.message : String(e);
        throw new StrataError('internal', `driver failed programming external connectivity on endpoint ${r.name.slice(1)} (${endpoint.endpointId}): ${why}`, { cause: e });
      }
      return endpoint;
    } catch (e) {
      await port.detach(r.id).catch(() => undefined);
      this.assigned.delete(r.id);
      throw e;
    }
  }

  /** Take a container off the bridge (its process ended or it is being removed). */
  async disconnect(r: ContainerRecord): Promise<void> {
    const port = this.ctx.port;
    if (port && (r.endpoint || networkModeOf(r.hostConfig) === 'bridge')) await port.detach(r.id);
    this.assigned.delete(r.id);
    delete r.endpoint;
  }

  /** After an engine restart: bring back the forwards of a container still running on the bridge. */
  async readopt(r: ContainerRecord): Promise<void> {
    const port = this.ctx.port;
    if (!port || !r.endpoint) return;
    if (!(await port.attached()).includes(r.id)) return;
    r.endpoint.ports = await port.publish(r.id, r.endpoint.ipAddress, r.endpoint.ports);
  }

  /** Remove namespaces no running container owns (left by a crash between steps). */
  async sweep(): Promise<void> {
    const port = this.ctx.port;
    if (!port) return;
    const running = new Set((await this.ctx.containers.all()).filter((r) => isRunning(r.state) && r.endpoint).map((r) => r.id));
    for (const id of await port.attached()) if (!running.has(id)) await port.detach(id).catch(() => undefined);
  }
}
