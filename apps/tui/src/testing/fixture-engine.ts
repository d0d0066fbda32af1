// Test-only: an ImageEngine over the recorded `docker image inspect` and `docker history`
// output of the shared image fixtures, for view-model tests that need engine failures or
// timing the real engine cannot be made to show.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StrataError } from '@strata/core';
import type { ContainerSummary, EngineEvent, HistoryEntry, ImageEngine, ImageInspect, ImageSummary } from '@strata/core';

/** The shared `docker save` fixtures and their recorded outputs. */
export const imageFixturesDir = '/work/shared/fixtures/images';

const units: Record<string, number> = { B: 1, kB: 1e3, MB: 1e6, GB: 1e9 };

/** One recorded image: inspect as Docker printed it, history as it reads after `docker load`. */
export function recordedImage(fixture: string): { inspect: ImageInspect; history: HistoryEntry[] } {
  const dir = join(imageFixturesDir, fixture);
  const [inspect] = JSON.parse(readFileSync(join(dir, 'inspect.json'), 'utf8')) as ImageInspect[];
  const lines = readFileSync(join(dir, 'history.jsonl'), 'utf8').trim().split('\n');
  const history = lines.map((line, i): HistoryEntry => {
    const h = JSON.parse(line) as { Comment: string; CreatedAt: string; CreatedBy: string; ID: string; Size: string };
    const [, amount, unit] = /^([\d.]+)(\w+)$/.exec(h.Size) ?? ['', '0', 'B'];
    return {
      Comment: h.Comment,
      Created: Date.parse(h.CreatedAt) / 1000,
      CreatedBy: h.CreatedBy,
      // Parents are local build metadata that `docker save` does not carry.
      Id: i === 0 ? h.ID : '<missing>',
      Size: Math.round(Number(amount) * units[unit]),
      Tags: i === 0 ? inspect.RepoTags : null,
    };
  });
  return { inspect, history };
}

function unsupported(): never {
  throw new StrataError('unavailable', 'not recorded in the fixtures');
}

/** An engine answering from recorded images; `failNext` makes the next call of a method throw. */
export class RecordedEngine implements ImageEngine {
  readonly calls: string[] = [];
  private readonly failures = new Map<string, Error>();
  private gate: Promise<void> | undefined;

  constructor(private readonly images: Array<{ inspect: ImageInspect; history: HistoryEntry[] }>) {}

  /** The next call of `method` throws `error`. */
  failNext(method: 'listImages' | 'inspectImage' | 'imageHistory', error: Error): void {
    this.failures.set(method, error);
  }

  /** Holds every answer until the returned function is called. */
  hold(): () => void {
    let release!: () => void;
    this.gate = new Promise((r) => (release = r));
    return () => {
      this.gate = undefined;
      release();
    };
  }

  private async answer<T>(method: string, arg: string, value: () => T): Promise<T> {
    this.calls.push(arg ? `${method} ${arg}` : method);
    if (this.gate) await this.gate;
    const failure = this.failures.get(method);
    if (failure) {
      this.failures.delete(method);
      throw failure;
    }
    return value();
  }

  private find(name: string): { inspect: ImageInspect; history: HistoryEntry[] } {
    const image = this.images.find((i) => i.inspect.Id === name || i.inspect.RepoTags.includes(name));
    if (!image) throw new StrataError('not-found', `No such image: ${name}`);
    return image;
  }

  listImages(): Promise<ImageSummary[]> {
    return this.answer('listImages', '', () =>
      this.images.map(({ inspect }) => ({
        Containers: -1,
        Created: Math.floor(Date.parse(inspect.Created) / 1000),
        Id: inspect.Id,
        Labels: null,
        ParentId: '',
        RepoDigests: inspect.RepoDigests,
        RepoTags: inspect.RepoTags,
        SharedSize: -1,
        Size: inspect.Size,
        VirtualSize: inspect.Size,
      })),
    );
  }

  inspectImage(name: string): Promise<ImageInspect> {
    return this.answer('inspectImage', name, () => this.find(name).inspect);
  }

  imageHistory(name: string): Promise<HistoryEntry[]> {
    return this.answer('imageHistory', name, () => this.find(name).history);
  }

  tagImage = unsupported;
  removeImage = unsupported;
  pruneImages = unsupported;
  loadImages = unsupported;
  saveImages = unsupported;
  importImage = unsupported;
  diskUsage = unsupported;

  /** No events ever happen to recorded images: the stream waits until it is aborted. */
  async *events(options: { signal?: AbortSignal } = {}): AsyncIterable<EngineEvent> {
    await new Promise<void>((resolve) => {
      if (options.signal?.aborted) resolve();
      options.signal?.addEventListener('abort', () => resolve(), { once: true });
    });
  }

  // Recorded images have no containers.
  listContainers(): Promise<ContainerSummary[]> {
    return this.answer('listContainers', '', () => []);
  }
  createContainer = unsupported;
  startContainer = unsupported;
  stopContainer = unsupported;
  restartContainer = unsupported;
  killContainer = unsupported;
  pauseContainer = unsupported;
  unpauseContainer = unsupported;
  removeContainer = unsupported;
  inspectContainer = unsupported;
  containerLogs = unsupported;
  topContainer = unsupported;
}
