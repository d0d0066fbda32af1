import type { ContainerEngine, ImageEngine } from '@strata/core';
import type { HostFacts } from './hostFacts.js';

/** What every route file gets from createApp: the engine and the daemon's facts. */
export interface RouteContext {
  engine: ImageEngine;
  /** The engine's container side, when it has one. */
  containers?: ContainerEngine;
  /** OCI runtimes `docker info` lists (`{"runc": {"path": "/usr/sbin/runc"}}`); empty when containers cannot run. */
  runtimes: Record<string, { path: string; version?: string }>;
  defaultRuntime: string;
  dataRoot: string;
  debug: boolean;
  host: HostFacts;
  /** Open `/events` streams, reported as NEventsListener by `/info`. */
  eventListeners: { count: number };
}
