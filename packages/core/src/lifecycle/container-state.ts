import { StrataError, conflict } from '../errors/index.js';

/** Docker's container states (`State.Status`). */
export type ContainerStatus = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export const CONTAINER_STATUSES: readonly ContainerStatus[] = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'];

/** Go's zero time as Docker prints it for "never". */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

/** What the engine records about a container's process. */
export interface ContainerState {
  status: ContainerStatus;
  pid: number;
  exitCode: number;
  /** Why the last start failed ('' when it did not). */
  error: string;
  oomKilled: boolean;
  /** RFC 3339 with nanoseconds, or ZERO_TIME. */
  startedAt: string;
  finishedAt: string;
}

/** The state of a container that was just created. */
export const createdState = (): ContainerState => ({
  status: 'created',
  pid: 0,
  exitCode: 0,
  error: '',
  oomKilled: false,
  startedAt: ZERO_TIME,
  finishedAt: ZERO_TIME,
});

/** True while a process exists (paused and restarting count, as in dockerd's `State.Running`). */
export const isRunning = (s: ContainerState): boolean => s.status === 'running' || s.status === 'paused';

const isZero = (t: string): boolean => !t || t.startsWith('0001-01-01');

/** go-units HumanDuration: `Less than a second`, `9 seconds`, `About a minute`, `4 minutes`, `3 days`, ... */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.floor(ms / 3_600_000 + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(ms / 3_600_000 / 24 / 365)} years`;
}

/** The human `Status` of `docker ps`, as moby's State.String() composes it. */
export function statusString(s: ContainerState, nowMs: number): string {
  return statusClock(s)(nowMs);
}

/** statusString of one state with its times parsed once, for listings that print it again and again. */
export function statusClock(s: ContainerState): (nowMs: number) => string {
  const since = (t: string) => {
    const at = Date.parse(t);
    return (nowMs: number) => humanDuration(nowMs - at);
  };
  switch (s.status) {
    case 'running': {
      const up = since(s.startedAt);
      return (nowMs) => `Up ${up(nowMs)}`;
    }
    case 'paused': {
      const up = since(s.startedAt);
      return (nowMs) => `Up ${up(nowMs)} (Paused)`;
    }
    case 'restarting': {
      const ago = since(s.finishedAt);
      return (nowMs) => `Restarting (${s.exitCode}) ${ago(nowMs)} ago`;
    }
    case 'removing':
      return () => 'Removal In Progress';
    case 'dead':
      return () => 'Dead';
    default: {
      if (isZero(s.startedAt)) return () => 'Created';
      if (isZero(s.finishedAt)) return () => '';
      const ago = since(s.finishedAt);
      return (nowMs) => `Exited (${s.exitCode}) ${ago(nowMs)} ago`;
    }
  }
}

/** The `State` object of container inspect. */
export function inspectState(s: ContainerState): Record<string, unknown> {
  return {
    Status: s.status,
    Running: isRunning(s) || s.status === 'restarting',
    Paused: s.status === 'paused',
    Restarting: s.status === 'restarting',
    OOMKilled: s.oomKilled,
    Dead: s.status === 'dead',
    Pid: s.pid,
    ExitCode: s.exitCode,
    Error: s.error,
    StartedAt: s.startedAt,
    FinishedAt: s.finishedAt,
  };
}

const notModified = (message: string) => new StrataError('not-modified', message);

/** Guards of the state machine, each throwing dockerd's (20.10) error when the move is not allowed. */
export const transitions = {
  start(s: ContainerState): void {
    if (s.status === 'paused') throw conflict('cannot start a paused container, try unpause instead');
    if (s.status === 'running') throw notModified('container is already running');
    if (s.status === 'removing' || s.status === 'dead') throw conflict('container is marked for removal and cannot be started');
  },
  stop(s: ContainerState): void {
    if (!isRunning(s) && s.status !== 'restarting') throw notModified('container is already stopped');
  },
  kill(s: ContainerState, name: string, id: string): void {
    if (!isRunning(s)) throw conflict(`Cannot kill container: ${name}: Container ${id} is not running`);
  },
  pause(s: ContainerState, id: string): void {
    if (s.status === 'paused') throw conflict(`Container ${id} is already paused`);
    if (s.status === 'restarting') throw conflict(`Container ${id} is restarting, wait until the container is running`);
    if (s.status !== 'running') throw conflict(`Container ${id} is not running`);
  },
  unpause(s: ContainerState, id: string): void {
    if (s.status !== 'paused') throw conflict(`Container ${id} is not paused`);
  },
  remove(s: ContainerState, id: string, force: boolean): void {
    if (s.status === 'removing') throw conflict(`removal of container ${id} is already in progress`);
    if (force) return;
    if (s.status === 'paused') throw conflict(`You cannot remove a paused container ${id}. Unpause and then stop the container before attempting removal or force remove`);
    if (s.status === 'restarting') throw conflict(`You cannot remove a restarting container ${id}. Stop the container before attempting removal or force remove`);
    if (s.status === 'running') throw conflict(`You cannot remove a running container ${id}. Stop the container before attempting removal or force remove`);
  },
  /** docker top and exec need a live process. */
  live(s: ContainerState, id: string): void {
    if (s.status === 'restarting') throw conflict(`Container ${id} is restarting, wait until the container is running`);
    if (!isRunning(s)) throw conflict(`Container ${id} is not running`);
  },
};
