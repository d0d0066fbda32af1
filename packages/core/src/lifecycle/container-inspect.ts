import type { ContainerRecord } from './container-record.js';
import { inspectState } from './container-state.js';
import { mountsView, networkSettingsView } from './container-network-view.js';
import type { ContainerPaths } from './runtime.js';

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

/**
 * `State.Health` as dockerd shows it for an image or container with a healthcheck: set up at the first
 * start, `unhealthy` once the process has stopped. Probes are not run yet, so a running container
 * stays `starting`.
 */
function healthOf(r: ContainerRecord): { Health?: Record<string, unknown> } {
  const test = (r.config.Healthcheck as { Test?: unknown } | undefined)?.Test;
  if (!Array.isArray(test) || test.length === 0 || test[0] === 'NONE' || !r.startedBefore) return {};
  const running = r.state.status === 'running' || r.state.status === 'paused' || r.state.status === 'restarting';
  return { Health: { Status: running ? 'starting' : 'unhealthy', FailingStreak: 0, Log: [] } };
}

/** Docker's container inspect JSON (keys in dockerd's order); `sizes` when `?size=1` was asked; file `paths` from the runtime. */
export function containerInspect(r: ContainerRecord, sizes?: { rw: number; rootFs: number }, paths?: ContainerPaths): Record<string, unknown> {
  return {
    Id: r.id,
    Created: r.created,
    Path: r.path,
    Args: r.args,
    State: { ...inspectState(r.state), ...healthOf(r) },
    Image: r.image,
    ResolvConfPath: paths?.resolvConf ?? '',
    HostnamePath: paths?.hostname ?? '',
    HostsPath: paths?.hosts ?? '',
    LogPath: paths?.log ?? '',
    Name: r.name,
    RestartCount: r.restartCount,
    Driver: 'overlay2',
    Platform: r.platform,
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: null,
    HostConfig: r.hostConfig,
    GraphDriver: {
      Data: paths ? { LowerDir: paths.lowerDir, MergedDir: paths.mergedDir, UpperDir: paths.upperDir, WorkDir: paths.workDir } : null,
      Name: 'overlay2',
    },
    ...(sizes ? { SizeRw: sizes.rw, SizeRootFs: sizes.rootFs } : {}),
    Mounts: mountsView(r),
    Config: r.config,
    NetworkSettings: networkSettingsView(r),
  };
}
