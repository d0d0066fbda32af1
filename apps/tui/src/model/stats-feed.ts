import type { ContainerStats } from '@strata/core';
import { statsFigures, type StatsFigures } from './stats-figures.js';
import type { TuiEngine } from './tui-engine.js';

/** How many samples the Stats tab's graphs keep (a minute at dockerd's one frame a second). */
export const statsHistoryLength = 60;

/** The Stats tab: the latest figures and the recent CPU % and memory, while the tab is open. */
export interface StatsState {
  status: 'idle' | 'streaming' | 'ended' | 'failed';
  error?: string;
  /** The container the figures are of. */
  id?: string;
  latest?: StatsFigures;
  /** Oldest first, at most {@link statsHistoryLength}. */
  cpuHistory: number[];
  memoryHistory: number[];
}

export const noStats: StatsState = { status: 'idle', cpuHistory: [], memoryHistory: [] };

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Follows one container's stats stream (a frame a second, pushed by the engine: no polling here)
 * and keeps its figures; `stop` ends the stream, as switching tab or container does.
 */
export class StatsFeed {
  private abort: AbortController | undefined;
  private current: StatsState = noStats;

  constructor(
    private readonly engine: TuiEngine,
    private readonly onChange: (state: StatsState) => void,
  ) {}

  get state(): StatsState {
    return this.current;
  }

  /** Starts following `id` (stopping whatever was followed); resolves once the first frame or failure is in. */
  follow(id: string, running: boolean): Promise<void> {
    this.stop();
    const stats = this.engine.containerStats?.bind(this.engine);
    if (!stats) return Promise.resolve(this.set({ ...noStats, id, status: 'failed', error: 'this engine has no container stats' }));
    if (!running) return Promise.resolve(this.set({ ...noStats, id, status: 'failed', error: `Container ${id.slice(0, 12)} is not running` }));
    const abort = new AbortController();
    this.abort = abort;
    this.set({ ...noStats, id, status: 'streaming' });
    let first: () => void = () => undefined;
    const firstIn = new Promise<void>((resolve) => (first = resolve));
    void (async () => {
      try {
        for await (const frame of stats(id, { stream: true, signal: abort.signal })) {
          if (abort.signal.aborted) return;
          // A frame of zeros (Go's zero time) is the engine saying the container is no longer running.
          if (frame.read === '0001-01-01T00:00:00Z') break;
          this.add(frame);
          first();
        }
        if (!abort.signal.aborted) this.set({ ...this.current, status: 'ended' });
      } catch (e) {
        if (!abort.signal.aborted) this.set({ ...this.current, status: 'failed', error: messageOf(e) });
      } finally {
        first();
      }
    })();
    return firstIn;
  }

  stop(): void {
    this.abort?.abort();
    this.abort = undefined;
  }

  private add(frame: ContainerStats): void {
    const latest = statsFigures(frame);
    const keep = (list: number[], value: number) => [...list, value].slice(-statsHistoryLength);
    this.set({
      ...this.current,
      latest,
      // The first frame has no previous sample, so no CPU % yet: it stays out of the graph.
      cpuHistory: frame.precpu_stats.system_cpu_usage === undefined ? this.current.cpuHistory : keep(this.current.cpuHistory, latest.cpuPercent),
      memoryHistory: keep(this.current.memoryHistory, latest.memoryUsage),
    });
  }

  private set(state: StatsState): void {
    this.current = state;
    this.onChange(state);
  }
}
