import type { ContainerRuntimeSpec } from '@strata/core';
import type { ConmonSync } from './conmon.js';

/**
 * Whether a container's monitor and `runc create` can run at prepare rather than at start: the
 * engine said a start comes next, and nothing the start does first changes the bundle (a bridge
 * namespace and address, or the host's network files, are made at start).
 */
export function canLaunchEarly(spec: ContainerRuntimeSpec): boolean {
  return spec.startsNext === true && !spec.network?.sandboxKey && spec.network?.mode !== 'host';
}

/**
 * conmon launches begun when a container was prepared, each handed over once: to the start that
 * releases its exec fifo, or to whatever undoes it (removal, a copy into the root before the start).
 * A launch that failed or threw is handed over as undefined or as conmon's failure report; the
 * caller then cleans up and starts the usual way, which reports the error as a start does.
 */
export class EarlyLaunches {
  private readonly launches = new Map<string, Promise<ConmonSync | undefined>>();

  /** Begin `launch` for container `id` without waiting for it. */
  begin(id: string, launch: () => Promise<ConmonSync | undefined>): void {
    this.launches.set(
      id,
      launch().catch(() => undefined),
    );
  }

  /** True while a launch for `id` was begun and not yet handed over. */
  has(id: string): boolean {
    return this.launches.has(id);
  }

  /** The launch's report once it has one; undefined when none was begun or it threw. */
  async take(id: string): Promise<{ sync: ConmonSync | undefined } | undefined> {
    const launch = this.launches.get(id);
    if (!launch) return undefined;
    this.launches.delete(id);
    return { sync: await launch };
  }
}
