import { type ContainerRecord, commandString, endpointView, isRunning, mountsView, networkNameOf, statusString, summaryPorts } from '../lifecycle/index.js';
import type { ContainerSummary } from './api.js';

/** A `GET /containers/json` entry for a record (`sizes` with `size=1`). */
export function containerSummary(r: ContainerRecord, nowMs: number, sizes?: { rw: number; rootFs: number }): ContainerSummary {
  const network = networkNameOf(r.hostConfig.NetworkMode);
  return {
    Id: r.id,
    Names: [r.name],
    Image: r.config.Image,
    ImageID: r.image,
    Command: commandString(r.path, r.args),
    Created: Math.floor(Date.parse(r.created) / 1000),
    Ports: r.config.NetworkDisabled ? [] : summaryPorts(r.config.ExposedPorts, isRunning(r.state) ? (r.endpoint?.ports ?? []) : []),
    // omitempty in moby's types.Container: a container that wrote nothing has no SizeRw.
    ...(sizes?.rw ? { SizeRw: sizes.rw } : {}),
    ...(sizes?.rootFs ? { SizeRootFs: sizes.rootFs } : {}),
    Labels: r.config.Labels,
    State: r.state.status,
    Status: statusString(r.state, nowMs),
    HostConfig: { NetworkMode: typeof r.hostConfig.NetworkMode === 'string' ? r.hostConfig.NetworkMode : 'default' },
    NetworkSettings: { Networks: { [network]: endpointView(r) } },
    Mounts: mountsView(r),
  };
}
