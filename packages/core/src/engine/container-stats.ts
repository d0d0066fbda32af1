import { isStrataError, unavailable } from '../errors/index.js';
import { type ContainerRecord, type ContainerStats, type RuntimeStatsSample, GO_ZERO_TIME, emptyContainerStats, emptyCpuStats, isRunning } from '../lifecycle/index.js';
import type { ContainerContext } from './containers.js';

export interface ContainerStatsOptions {
  /** One frame a second until the container is removed or `signal` aborts (the default, as dockerd's). */
  stream?: boolean;
  /** With `stream: false`: answer at once, without the second sample that fills `precpu_stats`. */
  oneShot?: boolean;
  signal?: AbortSignal;
}

/** docker stats: the engine's side. */
export interface ContainerStatsEngine {
  /** Frames in dockerd's JSON shape; while a container is not running its frames are zeros. */
  containerStats(name: string, options?: ContainerStatsOptions): AsyncIterable<ContainerStats>;
}

/** True when the engine can report container stats. */
export const hasContainerStats = (engine: object): engine is ContainerStatsEngine => typeof (engine as Partial<ContainerStatsEngine>).containerStats === 'function';

/** dockerd's collector interval. */
const INTERVAL_MS = 1000;

const pause = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/**
 * Container stats over the Runtime port: each frame is a cgroup sample plus the previous one's
 * CPU figures (`precpu_stats`), which is what CPU % is computed from, as dockerd does.
 */
export class ContainerStatsService implements ContainerStatsEngine {
  constructor(
    private readonly ctx: ContainerContext,
    private readonly containerOf: (name: string) => Promise<ContainerRecord>,
  ) {}

  async *containerStats(name: string, options: ContainerStatsOptions = {}): AsyncIterable<ContainerStats> {
    const stream = options.stream ?? true;
    const { signal } = options;
    let record = await this.containerOf(name);
    const runtime = this.ctx.ports.runtime;
    if (!isRunning(record.state) && !stream) {
      yield emptyContainerStats(record.id, record.name);
      return;
    }
    if (isRunning(record.state) && !runtime?.stats) throw unavailable(`the ${runtime?.name ?? 'missing'} runtime cannot report stats`);
    let previous: { read: string; sample: RuntimeStatsSample } | undefined;
    const take = async (): Promise<{ read: string; sample: RuntimeStatsSample } | undefined> => {
      try {
        if (!runtime?.stats) return undefined;
        return { sample: await runtime.stats(record.id), read: this.ctx.now() };
      } catch (e) {
        // The container stopped between two samples.
        record = await this.containerOf(record.id);
        if (!isRunning(record.state)) return undefined;
        throw e;
      }
    };
    const frame = (current: { read: string; sample: RuntimeStatsSample }): ContainerStats => ({
      read: current.read,
      preread: previous?.read ?? GO_ZERO_TIME,
      ...current.sample,
      num_procs: 0,
      storage_stats: {},
      precpu_stats: previous?.sample.cpu_stats ?? emptyCpuStats(),
      name: record.name,
      id: record.id,
    });
    if (!stream) {
      let current = await take();
      if (!current) return yield emptyContainerStats(record.id, record.name);
      if (!options.oneShot) {
        // dockerd primes the CPU figures with a first sample so a single frame still has a CPU %.
        await pause(INTERVAL_MS, signal);
        previous = current;
        current = (await take()) ?? current;
      }
      yield frame(current);
      return;
    }
    while (!signal?.aborted) {
      const current = isRunning(record.state) ? await take() : undefined;
      if (current) {
        yield frame(current);
        previous = current;
      } else {
        // dockerd's collector publishes name and ID only while a container is not running, and ends
        // the stream when the container is removed; a restarted container gets real frames again.
        yield emptyContainerStats(record.id, record.name);
        previous = undefined;
      }
      await pause(INTERVAL_MS, signal);
      if (signal?.aborted) return;
      if (!isRunning(record.state)) {
        const now = await this.containerOf(record.id).catch((e: unknown) => (isStrataError(e, 'not-found') ? undefined : Promise.reject(e)));
        if (!now) return;
        record = now;
      }
    }
  }
}
