import type { Digest } from '../digest/index.js';
import type { ContainerFiles } from './container-files.js';
import type { RuntimeStatsSample } from './container-stats.js';
import type { SeccompChoice } from './security-options.js';
import type { SnapshotDraft } from './snapshot-draft.js';

/**
 * The Runtime port: what the engine asks of whatever runs container processes
 * (`@strata/runtime`: overlayfs + runc under conmon). Docker's split is kept: `prepare` makes a
 * container's root and bundle (docker create), `start` runs its process (docker start), and a
 * container can be started again after it exits (docker restart) until `remove`.
 */
export interface Runtime {
  /** Short name for `docker info` (`runc`). */
  readonly name: string;
  /** Whether containers can run here; when not, a reason a user can act on (`apt-get install runc conmon`). */
  available(): Promise<{ ok: true } | { ok: false; reason: string }>;
  /** Build the container's root (shared layer snapshots + its own writable layer) and its bundle. No process yet. */
  prepare(spec: ContainerRuntimeSpec): Promise<void>;
  /**
   * The ID of a launch the runtime started ahead (its monitor and OCI runtime up, waiting for a
   * config), for a container that starts right after create without a terminal or stdin: the
   * caller gives that container this ID and prepares it at once. Undefined when none is ready.
   */
  takeWarmId?(): string | undefined;
  /** The engine is closing: give up what the runtime keeps ready (a warm launch); containers keep running. */
  close?(): Promise<void>;
  /** Run the container's process (monitored, so it outlives the engine); resolves once it has started. */
  start(id: string, options?: RuntimeStartOptions): Promise<{ pid: number; startedAt: string }>;
  /** Send a signal (`SIGTERM`, `KILL`, `9`, ...) to the container's main process. */
  kill(id: string, signal: string): Promise<void>;
  pause(id: string): Promise<void>;
  resume(id: string): Promise<void>;
  /** What the runtime knows about the container now (reads the monitor's exit file after a crash). */
  state(id: string): Promise<RuntimeState>;
  /** Resolves when the current (or, if none is running, the last) process has exited. */
  waitExit(id: string, signal?: AbortSignal): Promise<ExitInfo>;
  /** Output records of the container's log, oldest first; with `follow`, new ones until the process exits or `signal` aborts. */
  logs(id: string, options?: LogOptions): AsyncIterable<LogRecord>;
  /** Processes of the container as `ps` prints them (docker top). */
  top?(id: string, psArgs?: string): Promise<{ Titles: string[]; Processes: string[][] }>;
  /** CPU, memory, block I/O, pids and network counters of a running container (docker stats); `conflict` when it is not running. */
  stats?(id: string): Promise<RuntimeStatsSample>;
  /** Bytes the container's writable layer holds (SizeRw) — optional, may be slow. */
  writableSize?(id: string): Promise<number>;
  /** Let go of what an exited container holds until it starts again (runtime state, its root mount), as dockerd does at exit. */
  release?(id: string): Promise<void>;
  /** Where the container's files are on the host, for inspect (`HostnamePath`, `GraphDriver.Data`, ...); undefined when unknown. */
  paths?(id: string): Promise<ContainerPaths | undefined>;
  /** Forget the container: runtime state, mounts, bundle and writable layer. The process must have exited. */
  remove(id: string): Promise<void>;
  /** IDs of containers the runtime has on disk (for re-adoption after an engine restart). */
  list(): Promise<string[]>;
  /** The container's files (diff, commit, export, cp); its root is mounted if it was not. */
  files?(id: string): Promise<ContainerFiles>;
  /** Connect to the running process's stdin; ending the connection closes that stdin unless the container keeps it open (no StdinOnce, or a tty). */
  attachStdin?(id: string): Promise<StdinConnection>;
  /** Set the terminal size of a tty container. */
  resize?(id: string, size: TerminalSize): Promise<void>;
  /** Run one more process in the running container (docker exec). */
  exec?(id: string, spec: ExecRuntimeSpec): Promise<ExecProcess>;
  /** Start unpacking a layer the engine is about to write, as its snapshot (see SnapshotDraft). */
  draftSnapshot?(): Promise<SnapshotDraft>;
}

/** A writer into a process's stdin. */
export interface StdinConnection {
  write(bytes: Uint8Array): Promise<void>;
  /** Half-close: the process reads EOF (when the runtime closes stdin on disconnect). */
  end(): void;
  /** Drop the connection without waiting (detach). */
  close(): void;
}

export interface TerminalSize {
  height: number;
  width: number;
}

/** One exec process as the engine asks for it (merged with the container's own process settings by the runtime). */
export interface ExecRuntimeSpec {
  /** 64 lowercase hex. */
  execId: string;
  args: string[];
  /** Added to (and overriding) the container's environment. */
  env: string[];
  /** '' = the container's working directory. */
  cwd: string;
  /** '' = the container's user. */
  user: string;
  tty: boolean;
  privileged: boolean;
  /** Give the process a stdin the caller writes (`-i`). */
  stdin: boolean;
  /** The caller reads the output (not `-d`): the process starts only once output is connected. */
  attached: boolean;
}

/** A started exec process. */
export interface ExecProcess {
  pid: number;
  /** Live output until the process's streams close (empty when not attached). */
  output: AsyncIterable<{ stream: 'stdout' | 'stderr'; bytes: Uint8Array }>;
  stdin?: StdinConnection;
  resize(size: TerminalSize): Promise<void>;
  /** The exit code (126/127 style codes when the runtime could not start it are reported by exec itself). */
  exit: Promise<number>;
}

/** Everything the runtime needs to build and run one container. */
export interface ContainerRuntimeSpec {
  /** 64 lowercase hex. */
  id: string;
  /** Without the leading `/`. */
  name: string;
  /** First 12 hex of the ID unless the user set one. */
  hostname: string;
  /** The image's layers, bottom first, with the blob that holds each (for unpacking snapshots). */
  layers: Array<{ diffId: Digest; blob: Digest; mediaType: string }>;
  process: {
    /** Entrypoint + Cmd, already combined as Docker combines them. */
    args: string[];
    env: string[];
    cwd: string;
    /** `uid`, `uid:gid`, `name` or `name:group` as Docker accepts; '' = root. */
    user: string;
    tty: boolean;
    openStdin: boolean;
    stdinOnce: boolean;
  };
  /** Docker's `--init`: run a tiny init as PID 1. */
  init?: boolean;
  labels?: Record<string, string>;
  /** Mounts besides the root: volumes and binds by host path, tmpfs. */
  mounts?: RuntimeMount[];
  /** Absent = a private namespace with loopback only (`--network none`). */
  network?: { mode: 'none' | 'host' | 'bridge'; sandboxKey?: string };
  /** The writable layer need not survive a machine crash (`--rm`: the container goes when it exits). */
  volatile?: boolean;
  /**
   * A start is expected right after create (`docker run --rm`): the runtime may begin the start's
   * slow part (monitor, `runc create`) at prepare, so that it runs while the client's attach, wait and
   * start requests arrive. Start still reports every error a start reports.
   */
  startsNext?: boolean;
  /** Absent = Docker's default seccomp profile. */
  seccomp?: SeccompChoice;
}

/** One mount as the runtime makes it. */
export interface RuntimeMount {
  type: 'bind' | 'tmpfs';
  /** Host path (bind); ignored for tmpfs. */
  source: string;
  destination: string;
  readOnly: boolean;
  /** bind propagation (`rprivate`). */
  propagation?: string;
  /** tmpfs options (`size=...`, `mode=...`). */
  options?: string[];
  /** A volume: fill it from the image's content at `destination` while it is empty. */
  copyImageData?: boolean;
  /** `-v /host:/path`: make a missing host directory. */
  createHostPath?: boolean;
}

/** What a start knows that the create did not. */
export interface RuntimeStartOptions {
  /** The container's bridge address, for the last line of its /etc/hosts. */
  ipAddress?: string;
}

/** Host paths of a container's files as container inspect shows them. */
export interface ContainerPaths {
  resolvConf: string;
  hostname: string;
  hosts: string;
  log: string;
  /** overlayfs dirs (`GraphDriver.Data`): lowers top first, joined with `:`. */
  lowerDir: string;
  mergedDir: string;
  upperDir: string;
  workDir: string;
}

/** Runtime view of a container. */
export interface RuntimeState {
  status: 'prepared' | 'running' | 'paused' | 'exited' | 'unknown';
  pid?: number;
  startedAt?: string;
  exit?: ExitInfo;
}

/** How a process ended. */
export interface ExitInfo {
  exitCode: number;
  /** RFC 3339 with nanoseconds. */
  finishedAt: string;
  oomKilled?: boolean;
}

export interface LogOptions {
  follow?: boolean;
  /** Unix seconds (fractional allowed). */
  since?: number;
  until?: number;
  /** Only the last N records. */
  tail?: number;
  signal?: AbortSignal;
}

/** One record of a container's output. */
export interface LogRecord {
  stream: 'stdout' | 'stderr';
  /** RFC 3339 with nanoseconds. */
  time: string;
  bytes: Uint8Array;
  /** True when the line was split (no newline at the end of `bytes`). */
  partial: boolean;
}
