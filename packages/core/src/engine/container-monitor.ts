import type { ExitInfo, Runtime } from '../lifecycle/index.js';

/**
 * Watches running containers: for each, awaits the runtime's waitExit and hands the exit to the
 * engine. One watch per container; a watch ends when its process exits or it is cancelled.
 */
export class ExitMonitor {
  private readonly watches = new Map<string, AbortController>();

  constructor(
    private readonly runtime: Runtime,
    private readonly onExit: (id: string, exit: ExitInfo) => Promise<void>,
    private readonly now: () => string,
  ) {}

  /** Start watching the container's current process (no-op when already watched). */
  watch(id: string): void {
    if (this.watches.has(id)) return;
    const ac = new AbortController();
    this.watches.set(id, ac);
    const done = (exit: ExitInfo) => {
      if (this.watches.get(id) === ac) this.watches.delete(id);
      if (!ac.signal.aborted) return this.onExit(id, exit);
    };
    this.runtime.waitExit(id, ac.signal).then(done, async () => {
      if (ac.signal.aborted) return done({ exitCode: -1, finishedAt: this.now() });
      // The wait itself failed: ask the runtime what it knows rather than losing the exit.
      const state = await this.runtime.state(id).catch(() => undefined);
      return done(state?.exit ?? { exitCode: 255, finishedAt: this.now() });
    }).catch(() => undefined);
  }

  /** Stop watching (the container is being removed or the engine closes). */
  unwatch(id: string): void {
    this.watches.get(id)?.abort();
    this.watches.delete(id);
  }

  watching(id: string): boolean {
    return this.watches.has(id);
  }

  close(): void {
    for (const ac of this.watches.values()) ac.abort();
    this.watches.clear();
  }
}
