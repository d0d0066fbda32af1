import type { Clock } from '@strata/core';

/** 2024-01-01T00:00:00Z: where a ManualClock starts unless told otherwise. */
export const MANUAL_CLOCK_START = Date.UTC(2024, 0, 1);

/** A Clock that moves only when a test moves it. */
export class ManualClock implements Clock {
  private current: number;

  constructor(start: number = MANUAL_CLOCK_START) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  /** Move forward by `ms` milliseconds. */
  advance(ms: number): void {
    this.current += ms;
  }

  /** Jump to an absolute time (ms since the epoch). */
  set(ms: number): void {
    this.current = ms;
  }
}
