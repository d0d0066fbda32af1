import type { Digest } from '../digest/index.js';
import { unavailable } from '../errors/index.js';
import type { ContainerFiles, ContainerRecord } from '../lifecycle/index.js';
import type { Reference } from '../reference/index.js';
import { type ContainerPathStat, archiveContainerPath, extractToContainer, statContainerPath } from './container-archive.js';
import { type ContainerChange, containerChanges } from './container-changes.js';
import { type CommitOptions, commitContainer } from './container-commit.js';
import { exportContainerTar } from './container-export.js';
import { writableLayerTar } from './container-layer.js';
import type { ContainerService } from './containers.js';
import type { EngineContext } from './engine.js';

/** The engine's side for a container's files: diff, commit, export and cp (issue 5). */
export interface ContainerFilesEngine {
  /** `docker diff`: A/C/D of the container's writable layer against its image, sorted by path. */
  containerChanges(name: string): Promise<ContainerChange[]>;
  /** `docker commit`: a new image on top of the container's, holding its writable layer; returns the image ID. */
  commitContainer(name: string, options?: CommitOptions): Promise<Digest>;
  /** The container's writable layer as a layer tar (whiteouts in `.wh.` form), for build steps. */
  containerLayer(name: string): Promise<ReadableStream<Uint8Array>>;
  /** `docker export`: the flattened root filesystem as a tar. */
  exportContainer(name: string): Promise<ReadableStream<Uint8Array>>;
  /** `HEAD /containers/{id}/archive`. */
  statContainerPath(name: string, path: string): Promise<ContainerPathStat>;
  /** `GET /containers/{id}/archive`: the stat and a tar of what is at `path`. */
  archiveContainerPath(name: string, path: string): Promise<{ stat: ContainerPathStat; archive: ReadableStream<Uint8Array> }>;
  /** `PUT /containers/{id}/archive`: unpack `tar` into the directory at `path`. */
  extractToContainer(name: string, path: string, tar: ReadableStream<Uint8Array>, options?: { noOverwriteDirNonDir?: boolean }): Promise<void>;
}

/** True when the engine has the container files side. */
export const hasContainerFiles = (engine: object): engine is ContainerFilesEngine => typeof (engine as Partial<ContainerFilesEngine>).containerChanges === 'function';

/** Nanoseconds since the epoch of an RFC 3339 time (the fraction kept to the nanosecond). */
function rfc3339Ns(time: string): bigint {
  const m = /^(.*?)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(time);
  if (!m) return 0n;
  const seconds = BigInt(Math.floor(Date.parse(`${m[1]}${m[3]}`) / 1000));
  return seconds * 1_000_000_000n + BigInt((m[2] ?? '').padEnd(9, '0').slice(0, 9) || '0');
}

/** The container files use cases over the container service and the Runtime port's `files`. */
export class ContainerFilesService implements ContainerFilesEngine {
  constructor(
    private readonly ctx: EngineContext,
    private readonly containers: ContainerService,
    private readonly images: { setTag(ref: Reference, id: Digest): Promise<void>; serial<T>(task: () => Promise<T>): Promise<T> },
  ) {}

  private async open(name: string): Promise<{ record: ContainerRecord; files: ContainerFiles }> {
    const record = await this.containers.record(name);
    return { record, files: await this.filesOf(record.id) };
  }

  private async filesOf(id: string): Promise<ContainerFiles> {
    const runtime = this.ctx.ports.runtime;
    if (!runtime?.files) throw unavailable('no container runtime: install runc and conmon (apt-get install runc conmon) to work with container files');
    const ok = await runtime.available();
    if (!ok.ok) throw unavailable(ok.reason);
    return runtime.files(id);
  }

  private emit(r: ContainerRecord, action: string, extra: Record<string, string> = {}): void {
    this.ctx.events.emit('container', action, r.id, { ...extra, ...r.config.Labels, image: r.config.Image, name: r.name.slice(1) });
  }

  async containerChanges(name: string): Promise<ContainerChange[]> {
    const { record, files } = await this.open(name);
    return containerChanges(files, rfc3339Ns(record.created));
  }

  commitContainer(name: string, options: CommitOptions = {}): Promise<Digest> {
    return commitContainer(
      this.ctx,
      {
        record: (n) => this.containers.record(n),
        files: (id) => this.filesOf(id),
        pause: (id) => this.containers.pauseContainer(id),
        unpause: (id) => this.containers.unpauseContainer(id),
        setTag: (ref, id) => this.images.setTag(ref, id),
        serial: (task) => this.images.serial(task),
      },
      name,
      options,
    );
  }

  async containerLayer(name: string): Promise<ReadableStream<Uint8Array>> {
    return writableLayerTar((await this.open(name)).files);
  }

  async exportContainer(name: string): Promise<ReadableStream<Uint8Array>> {
    const { record, files } = await this.open(name);
    const tar = exportContainerTar(files, rfc3339Ns(record.created));
    this.emit(record, 'export');
    return tar;
  }

  async statContainerPath(name: string, path: string): Promise<ContainerPathStat> {
    const { record, files } = await this.open(name);
    return statContainerPath(files, path, name || record.id);
  }

  async archiveContainerPath(name: string, path: string): Promise<{ stat: ContainerPathStat; archive: ReadableStream<Uint8Array> }> {
    const { record, files } = await this.open(name);
    const out = await archiveContainerPath(files, path, name);
    this.emit(record, 'archive-path');
    return out;
  }

  async extractToContainer(name: string, path: string, tar: ReadableStream<Uint8Array>, options: { noOverwriteDirNonDir?: boolean } = {}): Promise<void> {
    let opened;
    try {
      opened = await this.open(name);
    } catch (e) {
      await tar.cancel().catch(() => undefined);
      throw e;
    }
    const { record, files } = opened;
    await extractToContainer(files, path, name, tar, {
      noOverwriteDirNonDir: options.noOverwriteDirNonDir ?? false,
      readonlyRootfs: record.hostConfig.ReadonlyRootfs === true,
    });
    this.emit(record, 'extract-to-dir');
  }
}

const CONTAINER_FILES_METHODS = [
  'containerChanges', 'commitContainer', 'containerLayer', 'exportContainer', 'statContainerPath', 'archiveContainerPath', 'extractToContainer',
] as const satisfies ReadonlyArray<keyof ContainerFilesEngine>;

/** Give `target` the ContainerFilesEngine methods of `service`. */
export function exposeContainerFiles(target: object, service: ContainerFilesService): void {
  for (const m of CONTAINER_FILES_METHODS) Object.defineProperty(target, m, { value: service[m].bind(service), enumerable: false });
}
