import type { ImageEngine } from '@strata/core';
import type { HostFacts } from './hostFacts.js';

/** What every route file gets from createApp: the engine and the daemon's facts. */
export interface RouteContext {
  engine: ImageEngine;
  dataRoot: string;
  debug: boolean;
  host: HostFacts;
  /** Open `/events` streams, reported as NEventsListener by `/info`. */
  eventListeners: { count: number };
}
