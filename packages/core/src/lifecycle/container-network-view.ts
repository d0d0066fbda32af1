import type { ContainerRecord } from './container-record.js';
import { inspectPorts } from './port-spec.js';

/** The network name a container's NetworkMode shows up under in `NetworkSettings.Networks`. */
const networkName = (mode: unknown): string => (typeof mode !== 'string' || mode === '' || mode === 'default' ? 'bridge' : mode);

/** An endpoint as inspect shows it under `NetworkSettings.Networks` (empty while not running). */
export function endpointView(r: ContainerRecord): Record<string, unknown> {
  const ep = r.endpoint;
  return {
    IPAMConfig: null, Links: null, Aliases: null, NetworkID: ep?.networkId ?? '', EndpointID: ep?.endpointId ?? '', Gateway: ep?.gateway ?? '',
    IPAddress: ep?.ipAddress ?? '', IPPrefixLen: ep?.prefixLength ?? 0, IPv6Gateway: '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0,
    MacAddress: ep?.macAddress ?? '', DriverOpts: null,
  };
}

/** Docker's `NetworkSettings` of a container: addresses and published ports while it runs on the bridge. */
export function networkSettingsView(r: ContainerRecord): Record<string, unknown> {
  const ep = r.endpoint;
  const running = r.state.status === 'running' || r.state.status === 'paused';
  return {
    Bridge: '', SandboxID: ep ? ep.endpointId : '', HairpinMode: false, LinkLocalIPv6Address: '', LinkLocalIPv6PrefixLen: 0,
    Ports: running && !r.config.NetworkDisabled ? inspectPorts(r.config.ExposedPorts, ep?.ports ?? []) : {},
    SandboxKey: ep?.sandboxKey ?? '', SecondaryIPAddresses: null, SecondaryIPv6Addresses: null, EndpointID: ep?.endpointId ?? '',
    Gateway: ep?.gateway ?? '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0, IPAddress: ep?.ipAddress ?? '', IPPrefixLen: ep?.prefixLength ?? 0,
    IPv6Gateway: '', MacAddress: ep?.macAddress ?? '',
    Networks: { [networkName(r.hostConfig.NetworkMode)]: endpointView(r) },
  };
}

/** Docker's `Mounts` of a container (inspect and `ps`), sorted by destination; `--tmpfs` is not listed. */
export function mountsView(r: ContainerRecord): Array<Record<string, unknown>> {
  return (r.mounts ?? [])
    .filter((m) => m.listed)
    .sort((a, b) => a.destination.localeCompare(b.destination))
    .map((m) =>
      m.type === 'volume'
        ? { Type: 'volume', Name: m.source, Source: m.hostPath, Destination: m.destination, Driver: 'local', Mode: m.mode, RW: !m.readOnly, Propagation: '' }
        : { Type: m.type, Source: m.type === 'bind' ? m.hostPath : '', Destination: m.destination, Mode: m.mode, RW: !m.readOnly, Propagation: m.propagation },
    );
}
