/**
 * The engine as the front ends see it. Shapes follow the Docker Engine API (v1.41) JSON so the
 * server maps them 1:1 and the TUI can talk to either the embedded engine or a Docker API
 * client (our stratad or a real dockerd) through the same interface.
 */

/** Docker filter map: key -> set of values (`{"reference":{"busybox":true}}` or `{"dangling":["true"]}`). */
export type Filters = Record<string, string[]>;

/** `GET /images/json` entry. */
export interface ImageSummary {
  Containers: number;
  Created: number;
  Id: string;
  Labels: Record<string, string> | null;
  ParentId: string;
  RepoDigests: string[];
  RepoTags: string[];
  SharedSize: number;
  Size: number;
  VirtualSize: number;
}

/** `GET /images/{name}/json`. Config fields are passed through as the image config has them. */
export interface ImageInspect {
  Id: string;
  RepoTags: string[];
  RepoDigests: string[];
  Parent: string;
  Comment: string;
  Created: string;
  Container: string;
  ContainerConfig: Record<string, unknown>;
  DockerVersion: string;
  Author: string;
  Config: Record<string, unknown> | null;
  Architecture: string;
  Variant?: string;
  Os: string;
  Size: number;
  VirtualSize: number;
  GraphDriver: { Data: Record<string, string> | null; Name: string };
  RootFS: { Type: string; Layers: string[] };
  Metadata: { LastTagTime: string };
}

/** `GET /images/{name}/history` entry (newest first). */
export interface HistoryEntry {
  Comment: string;
  Created: number;
  CreatedBy: string;
  Id: string;
  Size: number;
  Tags: string[] | null;
}

/** One line of `DELETE /images/{name}` and of prune's `ImagesDeleted`. */
export type ImageDeleteItem = { Untagged: string } | { Deleted: string };

export interface ImagePruneReport {
  ImagesDeleted: ImageDeleteItem[] | null;
  SpaceReclaimed: number;
}

/** `GET /system/df`. */
export interface DiskUsage {
  LayersSize: number;
  Images: ImageSummary[];
  Containers: unknown[];
  Volumes: unknown[];
  BuildCache: unknown[] | null;
  BuilderSize?: number;
}

/** A JSON progress message (§4.1 of the wire doc). */
export interface ProgressMessage {
  status?: string;
  id?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  stream?: string;
  aux?: unknown;
  error?: string;
  errorDetail?: { code?: number; message: string };
}

/** An engine event (§4.6 of the wire doc). */
export interface EngineEvent {
  status?: string;
  id?: string;
  from?: string;
  Type: 'container' | 'image' | 'volume' | 'network' | 'daemon' | 'plugin';
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: 'local';
  time: number;
  timeNano: number;
}

export interface LoadOptions {
  /** Receives progress messages as the load goes (`Loading layer`, `Loaded image: ...`). */
  onProgress?: (m: ProgressMessage) => void;
}

export interface LoadResult {
  /** Image IDs loaded, in archive order. */
  imageIds: string[];
  /** Human lines as Docker prints them (`Loaded image: busybox:local`, `Loaded image ID: sha256:...`). */
  messages: string[];
}

export interface ImportOptions {
  /** `name[:tag]` to tag the imported image with. */
  repo?: string;
  tag?: string;
  message?: string;
  /** Dockerfile instructions applied to the config (`CMD ["sh"]`, `ENV A=b`, ...). */
  changes?: string[];
  platform?: string;
}

export interface RemoveImageOptions {
  force?: boolean;
  noprune?: boolean;
}

export interface ListImagesOptions {
  all?: boolean;
  filters?: Filters;
  digests?: boolean;
}

/** `GET /version`. */
export interface VersionInfo {
  Platform: { Name: string };
  Components: Array<{ Name: string; Version: string; Details: Record<string, string> }>;
  Version: string;
  ApiVersion: string;
  MinAPIVersion: string;
  GitCommit: string;
  GoVersion: string;
  Os: string;
  Arch: string;
  KernelVersion: string;
  BuildTime: string;
}

/** The image side of the engine, as every front end uses it. */
export interface ImageEngine {
  listImages(options?: ListImagesOptions): Promise<ImageSummary[]>;
  inspectImage(name: string): Promise<ImageInspect>;
  imageHistory(name: string): Promise<HistoryEntry[]>;
  tagImage(source: string, repo: string, tag?: string): Promise<void>;
  removeImage(name: string, options?: RemoveImageOptions): Promise<ImageDeleteItem[]>;
  pruneImages(filters?: Filters): Promise<ImagePruneReport>;
  loadImages(archive: ReadableStream<Uint8Array>, options?: LoadOptions): Promise<LoadResult>;
  saveImages(names: string[]): Promise<SavedArchive>;
  importImage(rootfs: ReadableStream<Uint8Array>, options?: ImportOptions): Promise<string>;
  diskUsage(): Promise<DiskUsage>;
  /** Past events in [since, until] (unix seconds) then, unless `until` is set, live ones. */
  events(options?: { since?: number; until?: number; filters?: Filters; signal?: AbortSignal }): AsyncIterable<EngineEvent>;
}

/**
 * `POST /containers/create` body as the docker CLI sends it (container.Config plus HostConfig and
 * NetworkingConfig). Fields the engine does not know are kept and ignored.
 */
export interface ContainerCreateBody {
  Hostname?: string;
  Domainname?: string;
  User?: string;
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  Tty?: boolean;
  OpenStdin?: boolean;
  StdinOnce?: boolean;
  Env?: string[] | null;
  Cmd?: string[] | null;
  Entrypoint?: string[] | null;
  Image: string;
  Labels?: Record<string, string> | null;
  WorkingDir?: string;
  StopSignal?: string;
  StopTimeout?: number;
  HostConfig?: Record<string, unknown>;
  NetworkingConfig?: Record<string, unknown>;
  [key: string]: unknown;
}

/** `GET /containers/json` entry. */
export interface ContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  ImageID: string;
  Command: string;
  Created: number;
  Ports: Array<{ IP?: string; PrivatePort: number; PublicPort?: number; Type: string }>;
  SizeRw?: number;
  SizeRootFs?: number;
  Labels: Record<string, string>;
  /** `created`, `running`, `paused`, `restarting`, `removing`, `exited`, `dead`. */
  State: string;
  /** Human status: `Up 9 seconds (Paused)`, `Exited (7) 4 minutes ago`, `Created`. */
  Status: string;
  HostConfig: { NetworkMode: string };
  NetworkSettings: { Networks: Record<string, unknown> };
  Mounts: unknown[];
}

/** `POST /containers/{id}/wait` result. */
export interface WaitResult {
  StatusCode: number;
  Error: null | { Message: string };
}

/** One piece of container output, as logs and attach deliver it. */
export interface OutputRecord {
  stream: 'stdout' | 'stderr';
  /** RFC 3339 with nanoseconds (for `--timestamps`). */
  time: string;
  bytes: Uint8Array;
}

export interface ContainerLogOptions {
  stdout?: boolean;
  stderr?: boolean;
  follow?: boolean;
  /** Unix seconds (fractional allowed). */
  since?: number;
  until?: number;
  /** Last N lines; undefined = all. */
  tail?: number;
  signal?: AbortSignal;
}

/** The container side of the engine (issue 4). Names accept a full ID, a unique ID prefix or a name. */
export interface ContainerEngine {
  createContainer(body: ContainerCreateBody, options?: { name?: string; platform?: string }): Promise<{ Id: string; Warnings: string[] }>;
  /** Throws kind `not-modified` when already running (HTTP 304). */
  startContainer(name: string): Promise<void>;
  /** Signal (StopSignal or SIGTERM), grace period (`timeout` s, default StopTimeout or 10), then KILL. `not-modified` when not running. */
  stopContainer(name: string, options?: { timeout?: number; signal?: string }): Promise<void>;
  restartContainer(name: string, options?: { timeout?: number; signal?: string }): Promise<void>;
  /** `conflict` when not running: `Cannot kill container: X: Container <id> is not running`. */
  killContainer(name: string, signal?: string): Promise<void>;
  pauseContainer(name: string): Promise<void>;
  unpauseContainer(name: string): Promise<void>;
  removeContainer(name: string, options?: { force?: boolean; volumes?: boolean }): Promise<void>;
  waitContainer(name: string, condition?: 'not-running' | 'next-exit' | 'removed', signal?: AbortSignal): Promise<WaitResult>;
  renameContainer(name: string, newName: string): Promise<void>;
  listContainers(options?: { all?: boolean; size?: boolean; limit?: number; filters?: Filters }): Promise<ContainerSummary[]>;
  /** listContainers as the body of `GET /containers/json` (UTF-8 JSON), for engines that keep summaries serialized. */
  listContainersJson?(options?: { all?: boolean; size?: boolean; limit?: number; filters?: Filters }): Promise<Uint8Array>;
  /** Docker's container inspect JSON. */
  inspectContainer(name: string, options?: { size?: boolean }): Promise<Record<string, unknown>>;
  /** The container's TTY flag (raw vs multiplexed output) and its output records. */
  containerLogs(name: string, options?: ContainerLogOptions): Promise<{ tty: boolean; records: AsyncIterable<OutputRecord> }>;
  /**
   * Live output from now until the process exits (docker attach / run without -d). With `stdin`
   * (the client's raw input, ending at its half-close) the input goes to an OpenStdin container;
   * the detach keys (default ctrl-p,ctrl-q) or, unless StdinOnce without a tty, the input's end
   * end the output while the process keeps running.
   */
  attachContainer(
    name: string,
    options?: { stdout?: boolean; stderr?: boolean; logs?: boolean; signal?: AbortSignal; stdin?: ReadableStream<Uint8Array>; detachKeys?: string },
  ): Promise<{ tty: boolean; records: AsyncIterable<OutputRecord> }>;
  topContainer(name: string, psArgs?: string): Promise<{ Titles: string[]; Processes: string[][] }>;
  /** `POST /containers/{id}/resize`: the terminal size of a running tty container. */
  resizeContainer(name: string, size: { height: number; width: number }): Promise<void>;
}

/** A `docker save` tar stream; `byteLength`, when known up front, is its exact length in bytes. */
export type SavedArchive = ReadableStream<Uint8Array> & { readonly byteLength?: number };

/** `POST /containers/{id}/exec` body as the docker CLI sends it. */
export interface ExecCreateBody {
  User?: string;
  Privileged?: boolean;
  Tty?: boolean;
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  Detach?: boolean;
  DetachKeys?: string;
  Env?: string[] | null;
  WorkingDir?: string;
  Cmd?: string[] | null;
  [key: string]: unknown;
}

/** `GET /exec/{id}/json`. */
export interface ExecInspect {
  ID: string;
  Running: boolean;
  ExitCode: number | null;
  ProcessConfig: { tty: boolean; entrypoint: string; arguments: string[]; privileged: boolean; user?: string };
  OpenStdin: boolean;
  OpenStderr: boolean;
  OpenStdout: boolean;
  CanRemove: boolean;
  ContainerID: string;
  DetachKeys: string;
  Pid: number;
}

/** docker exec: extra processes in running containers. Exec IDs are 64 hex. */
export interface ExecEngine {
  /** `conflict` when the container is not running, paused or restarting, with dockerd's wording. */
  createExec(container: string, body: ExecCreateBody): Promise<{ Id: string }>;
  /**
   * Start an exec. Detached: resolves once the process runs, with no output. Attached: its output
   * (multiplexed unless tty) until it exits; its ExitCode is final when the records end. `stdin`
   * feeds an exec created with AttachStdin; the detach keys end the output early.
   */
  startExec(id: string, options: { detach?: boolean; tty?: boolean; stdin?: ReadableStream<Uint8Array>; signal?: AbortSignal }): Promise<{ tty: boolean; records: AsyncIterable<OutputRecord> }>;
  inspectExec(id: string): Promise<ExecInspect>;
  resizeExec(id: string, size: { height: number; width: number }): Promise<void>;
}
