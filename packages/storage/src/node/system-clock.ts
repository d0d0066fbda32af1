import type { Clock } from '@strata/core';

/** Clock port on the system's wall clock. */
export const systemClock: Clock = { now: () => Date.now() };
