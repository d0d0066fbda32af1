import type { ContainerConfig } from './container-config.js';
import type { ContainerState } from './container-state.js';

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
}
