import type { ContainerRecord } from './container-record.js';
import { inspectState } from './container-state.js';
import { mountsView, networkSettingsView } from './container-network-view.js';

/** The network name a container's NetworkMode shows up under in `NetworkSettings.Networks`. */
export function networkNameOf(mode: unknown): string {
  return typeof mode !== 'string' || mode === '' || mode === 'default' ? 'bridge' : mode;
}

/** An endpoint with no addresses (containers have loopback only until networking lands). */
export function emptyEndpoint(): Record<string, unknown> {
  return {
    IPAMConfig: null, Links: null, Aliases: null, NetworkID: '', EndpointID: '', Gateway: '', IPAddress: '', IPPrefixLen: 0,
    IPv6Gateway: '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0, MacAddress: '', DriverOpts: null,
  };
}

/** Docker's container inspect JSON (keys in dockerd's order); `sizes` when `?size=1` was asked. */
export function containerInspect(r: ContainerRecord, sizes?: { rw: number; rootFs: number }): Record<string, unknown> {
  return {
    Id: r.id,
    Created: r.created,
    Path: r.path,
    Args: r.args,
    State: inspectState(r.state),
    Image: r.image,
    ResolvConfPath: '',
    HostnamePath: '',
    HostsPath: '',
    LogPath: '',
    Name: r.name,
    RestartCount: r.restartCount,
    Driver: 'overlay2',
    Platform: r.platform,
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: null,
    HostConfig: r.hostConfig,
    GraphDriver: { Data: null, Name: 'overlay2' },
    ...(sizes ? { SizeRw: sizes.rw, SizeRootFs: sizes.rootFs } : {}),
    Mounts: mountsView(r),
    Config: r.config,
    NetworkSettings: networkSettingsView(r),
  };
}
