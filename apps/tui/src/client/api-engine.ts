import type {
  ContainerCreateBody,
  ContainerLogOptions,
  ContainerChange,
  ContainerStats,
  ContainerStatsOptions,
  ContainerSummary,
  CommitOptions,
  Digest,
  DiskUsage,
  ExecCreateBody,
  ExecInspect,
  EngineEvent,
  Filters,
  HistoryEntry,
  ImageDeleteItem,
  ImageInsightOptions,
  ImageInsightReport,
  ImageInspect,
  ImageSummary,
  ListImagesOptions,
  LoadOptions,
  LoadResult,
  OutputRecord,
  ProgressMessage,
  RemoveImageOptions,
  VolumeInfo,
  BuildEvent,
  BuildOptions,
  ImagePruneReport,
  PullOptions,
  PullResult,
  SavedArchive,
  VolumeCreateBody,
} from '@strata/core';
import { StrataError } from '@strata/core';
import type { TuiEngine } from '../model/tui-engine.js';
import { readAll, readJson, send, type ApiRequest } from './api-transport.js';
import type { DockerHost } from './docker-host.js';
import { hijackedSession } from './api-hijack.js';
import { jsonValues } from './json-stream.js';
import * as imageWork from './api-image-work.js';
import { outputRecords } from './output-frames.js';

const path = (name: string): string => encodeURIComponent(name);
const filtersParam = (filters: Filters | undefined): string | undefined => (filters && Object.keys(filters).length > 0 ? JSON.stringify(filters) : undefined);

/**
 * The engine the app drives, over the Docker Engine API: stratad, or a real dockerd for everything
 * the Docker API offers (strata's layer analysis is a stratad extension). Errors are the server's
 * messages with its status as the kind, so the app shows what `docker` would.
 */
export class ApiEngine implements TuiEngine {
  constructor(readonly host: DockerHost) {}

  private async json<T>(req: ApiRequest): Promise<T> {
    return readJson<T>(await send(this.host, req));
  }

  private async call(req: ApiRequest): Promise<void> {
    await readAll(await send(this.host, req));
  }

  /** `GET /_ping`: resolves when something that speaks the API answers. */
  async ping(): Promise<void> {
    await this.call({ path: '/_ping' });
  }

  listImages(options: ListImagesOptions = {}): Promise<ImageSummary[]> {
    return this.json({ path: '/images/json', query: { all: options.all, digests: options.digests, filters: filtersParam(options.filters) } });
  }

  inspectImage(name: string): Promise<ImageInspect> {
    return this.json({ path: `/images/${path(name)}/json` });
  }

  imageHistory(name: string): Promise<HistoryEntry[]> {
    return this.json({ path: `/images/${path(name)}/history` });
  }

  tagImage(source: string, repo: string, tag?: string): Promise<void> {
    return this.call({ method: 'POST', path: `/images/${path(source)}/tag`, query: { repo, tag } });
  }

  removeImage(name: string, options: RemoveImageOptions = {}): Promise<ImageDeleteItem[]> {
    return this.json({ method: 'DELETE', path: `/images/${path(name)}`, query: { force: options.force, noprune: options.noprune } });
  }

  /** `POST /images/load`: progress messages as they come; the `Loaded image` lines are the result. */
  async loadImages(archive: ReadableStream<Uint8Array>, options: LoadOptions = {}): Promise<LoadResult> {
    const response = await send(this.host, { method: 'POST', path: '/images/load', query: { quiet: false }, stream: archive, contentType: 'application/x-tar' });
    const messages: string[] = [];
    const imageIds: string[] = [];
    for await (const m of jsonValues<ProgressMessage>(response)) {
      if (m.error) throw new StrataError('invalid', m.errorDetail?.message ?? m.error);
      options.onProgress?.(m);
      const line = m.stream?.trim();
      if (line?.startsWith('Loaded image')) {
        messages.push(line);
        const id = /^Loaded image ID: (sha256:[0-9a-f]{64})$/.exec(line)?.[1];
        if (id) imageIds.push(id);
      }
    }
    return { imageIds, messages };
  }

  diskUsage(): Promise<DiskUsage> {
    return this.json({ path: '/system/df' });
  }

  /** `GET /events`, streamed until the signal aborts (the connection is closed then). */
  async *events(options: { since?: number; until?: number; filters?: Filters; signal?: AbortSignal } = {}): AsyncIterable<EngineEvent> {
    const { signal } = options;
    let response;
    try {
      response = await send(this.host, {
        path: '/events',
        query: { since: options.since, until: options.until, filters: filtersParam(options.filters) },
        signal,
      });
    } catch (e) {
      if (signal?.aborted) return;
      throw e;
    }
    try {
      for await (const e of jsonValues<EngineEvent>(response)) yield e;
    } catch (e) {
      if (!signal?.aborted) throw e;
    } finally {
      response.destroy();
    }
  }

  async createContainer(body: ContainerCreateBody, options: { name?: string; platform?: string } = {}): Promise<{ Id: string; Warnings: string[] }> {
    return this.json({ method: 'POST', path: '/containers/create', query: { name: options.name, platform: options.platform }, json: body });
  }

  startContainer(name: string): Promise<void> {
    return this.call({ method: 'POST', path: `/containers/${path(name)}/start` });
  }

  stopContainer(name: string, options: { timeout?: number; signal?: string } = {}): Promise<void> {
    return this.call({ method: 'POST', path: `/containers/${path(name)}/stop`, query: { t: options.timeout, signal: options.signal } });
  }

  restartContainer(name: string, options: { timeout?: number; signal?: string } = {}): Promise<void> {
    return this.call({ method: 'POST', path: `/containers/${path(name)}/restart`, query: { t: options.timeout, signal: options.signal } });
  }

  killContainer(name: string, signal?: string): Promise<void> {
    return this.call({ method: 'POST', path: `/containers/${path(name)}/kill`, query: { signal } });
  }

  pauseContainer(name: string): Promise<void> {
    return this.call({ method: 'POST', path: `/containers/${path(name)}/pause` });
  }

  unpauseContainer(name: string): Promise<void> {
    return this.call({ method: 'POST', path: `/containers/${path(name)}/unpause` });
  }

  removeContainer(name: string, options: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    return this.call({ method: 'DELETE', path: `/containers/${path(name)}`, query: { force: options.force, v: options.volumes } });
  }

  listContainers(options: { all?: boolean; size?: boolean; limit?: number; filters?: Filters } = {}): Promise<ContainerSummary[]> {
    return this.json({ path: '/containers/json', query: { all: options.all, size: options.size, limit: options.limit, filters: filtersParam(options.filters) } });
  }

  inspectContainer(name: string, options: { size?: boolean } = {}): Promise<Record<string, unknown>> {
    return this.json({ path: `/containers/${path(name)}/json`, query: { size: options.size } });
  }

  /** `GET /containers/{id}/logs`: the TTY flag comes from inspect (raw bytes with a TTY, frames without). */
  async containerLogs(name: string, options: ContainerLogOptions = {}): Promise<{ tty: boolean; records: AsyncIterable<OutputRecord> }> {
    const inspect = await this.inspectContainer(name);
    const tty = Boolean((inspect.Config as { Tty?: boolean } | undefined)?.Tty);
    const response = await send(this.host, {
      path: `/containers/${path(name)}/logs`,
      query: {
        stdout: options.stdout ?? true,
        stderr: options.stderr ?? true,
        follow: options.follow,
        since: options.since,
        until: options.until,
        tail: options.tail === undefined ? 'all' : options.tail,
      },
      signal: options.signal,
    });
    const signal = options.signal;
    async function* records(): AsyncIterable<OutputRecord> {
      try {
        yield* outputRecords(response, tty);
      } catch (e) {
        if (!signal?.aborted) throw e;
      } finally {
        response.destroy();
      }
    }
    return { tty, records: records() };
  }

  topContainer(name: string, psArgs?: string): Promise<{ Titles: string[]; Processes: string[][] }> {
    return this.json({ path: `/containers/${path(name)}/top`, query: { ps_args: psArgs } });
  }

  /** `GET /containers/{id}/changes` (dockerd answers null for none). */
  async containerChanges(name: string): Promise<ContainerChange[]> {
    return (await this.json<ContainerChange[] | null>({ path: `/containers/${path(name)}/changes` })) ?? [];
  }

  /** `POST /commit`: the container's config is the new image's (no body), as `docker commit` without `-c`. */
  async commitContainer(name: string, options: CommitOptions = {}): Promise<Digest> {
    const query = { container: name, repo: options.repo, tag: options.tag, comment: options.comment, author: options.author, pause: options.pause };
    return (await this.json<{ Id: string }>({ method: 'POST', path: '/commit', query })).Id as Digest;
  }

  /** `GET /containers/{id}/stats`: a frame a second while streaming, until the signal aborts. */
  async *containerStats(name: string, options: ContainerStatsOptions = {}): AsyncIterable<ContainerStats> {
    const { signal } = options;
    const stream = options.stream ?? true;
    const response = await send(this.host, { path: `/containers/${path(name)}/stats`, query: { stream, 'one-shot': options.oneShot }, signal });
    try {
      for await (const frame of jsonValues<ContainerStats>(response)) yield frame;
    } catch (e) {
      if (!signal?.aborted) throw e;
    } finally {
      response.destroy();
    }
  }

  createExec(container: string, body: ExecCreateBody): Promise<{ Id: string }> {
    return this.json({ method: 'POST', path: `/containers/${path(container)}/exec`, json: body });
  }

  /** `POST /exec/{id}/start`, hijacked: stdin goes up the connection, the output comes down it. */
  startExec(id: string, options: { detach?: boolean; tty?: boolean; stdin?: ReadableStream<Uint8Array>; signal?: AbortSignal } = {}): Promise<{ tty: boolean; records: AsyncIterable<OutputRecord> }> {
    const tty = options.tty ?? false;
    return hijackedSession(this.host, { path: `/exec/${path(id)}/start`, json: { Detach: options.detach ?? false, Tty: tty } }, { tty, stdin: options.stdin, signal: options.signal });
  }

  inspectExec(id: string): Promise<ExecInspect> {
    return this.json({ path: `/exec/${path(id)}/json` });
  }

  resizeExec(id: string, size: { height: number; width: number }): Promise<void> {
    return this.call({ method: 'POST', path: `/exec/${path(id)}/resize`, query: { h: size.height, w: size.width } });
  }

  /** `POST /containers/{id}/attach`, hijacked; the TTY flag (raw or multiplexed output) comes from inspect. */
  async attachContainer(
    name: string,
    options: { stdout?: boolean; stderr?: boolean; logs?: boolean; signal?: AbortSignal; stdin?: ReadableStream<Uint8Array>; detachKeys?: string } = {},
  ): Promise<{ tty: boolean; records: AsyncIterable<OutputRecord> }> {
    const inspect = await this.inspectContainer(name);
    const tty = Boolean((inspect.Config as { Tty?: boolean } | undefined)?.Tty);
    const query = { stream: true, stdin: options.stdin !== undefined, stdout: options.stdout ?? true, stderr: options.stderr ?? true, logs: options.logs, detachKeys: options.detachKeys };
    return hijackedSession(this.host, { path: `/containers/${path(name)}/attach`, query }, { tty, stdin: options.stdin, signal: options.signal });
  }

  resizeContainer(name: string, size: { height: number; width: number }): Promise<void> {
    return this.call({ method: 'POST', path: `/containers/${path(name)}/resize`, query: { h: size.height, w: size.width } });
  }

  listVolumes(options: { filters?: Filters } = {}): Promise<{ Volumes: VolumeInfo[]; Warnings: null }> {
    return this.json<{ Volumes: VolumeInfo[] | null; Warnings: null }>({ path: '/volumes', query: { filters: filtersParam(options.filters) } }).then((r) => ({ Volumes: r.Volumes ?? [], Warnings: null }));
  }

  inspectVolume(name: string): Promise<VolumeInfo> {
    return this.json({ path: `/volumes/${path(name)}` });
  }

  removeVolume(name: string, options: { force?: boolean } = {}): Promise<void> {
    return this.call({ method: 'DELETE', path: `/volumes/${path(name)}`, query: { force: options.force } });
  }

  /** The Docker API has no "users of a volume": the containers listed with a `volume` filter are. */
  async volumeUsers(name: string): Promise<string[]> {
    return (await this.listContainers({ all: true, filters: { volume: [name] } })).map((c) => c.Id);
  }

  // Images, volumes and disk-usage work (client/api-image-work.ts).
  pullImage(name: string, options?: PullOptions): Promise<PullResult> {
    return imageWork.pullOverApi(this.host, name, options);
  }

  buildImage(context: ReadableStream<Uint8Array>, options: BuildOptions & { tags?: string[] }, onEvent: (event: BuildEvent) => void): Promise<Digest> {
    return imageWork.buildOverApi(this.host, context, options, onEvent);
  }

  saveImages(names: string[]): Promise<SavedArchive> {
    return imageWork.saveOverApi(this.host, names);
  }

  pruneImages(filters?: Filters): Promise<ImagePruneReport> {
    return imageWork.pruneImagesOverApi(this.host, filters);
  }

  createVolume(body?: VolumeCreateBody): Promise<VolumeInfo> {
    return imageWork.createVolumeOverApi(this.host, body);
  }

  pruneVolumes(): Promise<{ VolumesDeleted: string[]; SpaceReclaimed: number }> {
    return imageWork.pruneVolumesOverApi(this.host);
  }

  pruneBuildCache(): Promise<{ CachesDeleted: string[] | null; SpaceReclaimed: number }> {
    return imageWork.pruneBuildCacheOverApi(this.host);
  }

  archiveContainerPath(name: string, path: string): ReturnType<typeof imageWork.archiveOverApi> {
    return imageWork.archiveOverApi(this.host, name, path);
  }

  /** stratad's `GET /_strata/images/{name}/analysis` (names keep their `/` and `:`); dockerd answers 404. */
  async analyzeImage(name: string, options: ImageInsightOptions = {}): Promise<ImageInsightReport> {
    const response = await send(this.host, {
      path: `/_strata/images/${name.split('/').map(encodeURIComponent).join('/')}/analysis`,
      unversioned: true,
      query: { top: options.top, base: options.base },
    });
    return readJson<ImageInsightReport>(response);
  }
}
