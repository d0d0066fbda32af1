import type { ContainerConfig } from './container-config.js';
import type { ContainerState } from './container-state.js';
import type { MountRequest } from './mount-spec.js';
import type { PortBinding } from './port-spec.js';

/** A mount of a container with its volume resolved: `source` is the volume's name for volumes. */
export interface ContainerMount extends MountRequest {
  /** Host path mounted (the volume's Mountpoint, the bind source; `''` for tmpfs). */
  hostPath: string;
  /** The volume was made for this container (`docker rm -v` removes it). */
  anonymous: boolean;
}

/** A running container's endpoint on the default bridge. */
export interface ContainerEndpoint {
  networkId: string;
  endpointId: string;
  ipAddress: string;
  macAddress: string;
  gateway: string;
  prefixLength: number;
  sandboxKey: string;
  /** Published ports as bound (random host ports filled in). */
  ports: PortBinding[];
}

/** A container as the engine keeps it (one record per container, rewritten atomically on every change). */
export interface ContainerRecord {
  /** 64 lowercase hex. */
  id: string;
  /** With the leading `/`, as Docker stores and prints it in `Names`. */
  name: string;
  /** RFC 3339 with nanoseconds. */
  created: string;
  path: string;
  args: string[];
  /** The image's ID (`sha256:...`). */
  image: string;
  config: ContainerConfig;
  hostConfig: Record<string, unknown>;
  state: ContainerState;
  restartCount: number;
  /** dockerd's HasBeenStartedBefore / HasBeenManuallyStopped (restart policies). */
  startedBefore: boolean;
  manuallyStopped: boolean;
  platform: string;
  /** Volumes, binds and tmpfs mounts (absent on records made before volumes existed). */
  mounts?: ContainerMount[];
  /** Set while the container runs on the bridge. */
  endpoint?: ContainerEndpoint;
}
