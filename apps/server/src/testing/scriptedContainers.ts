// Test support: an in-memory ContainerEngine whose processes the test drives (output, exit), for
// wire-format tests of the container endpoints before and besides the real runtime. It keeps
// Docker's state rules and error wording so the HTTP layer is exercised on real outcomes; the
// real engine is covered by the docker CLI end-to-end tests.
import { StrataError, type ContainerCreateBody, type ContainerEngine, type ContainerLogOptions, type ContainerSummary, type OutputRecord, type WaitResult } from '@strata/core';

const encoder = new TextEncoder();

interface Waiter {
  condition: 'not-running' | 'next-exit' | 'removed';
  resolve(r: WaitResult): void;
}

interface ScriptedContainer {
  id: string;
  name: string;
  body: ContainerCreateBody;
  state: 'created' | 'running' | 'paused' | 'exited';
  exitCode: number;
  log: OutputRecord[];
  /** Live listeners (attach, logs -f): get each record, then `undefined` at exit. */
  listeners: Set<(r: OutputRecord | undefined) => void>;
  waiters: Waiter[];
  /** Run once at the next start (attachments made before it). */
  onNextStart: Array<() => void>;
}

/** A container engine driven by the test: `output()` writes to a container's stdout/stderr, `exit()` ends its process. */
export interface ScriptedContainers extends ContainerEngine {
  output(name: string, stream: 'stdout' | 'stderr', text: string): void;
  exit(name: string, code: number): void;
  /** Called after each start with the container's ID and Cmd: the test plays the process. */
  onStart?: (id: string, cmd: string[]) => void;
  /** Signals received by `kill`, in order. */
  readonly signals: string[];
}

const notFound = (name: string) => new StrataError('not-found', `No such container: ${name}`);

/** A fresh scripted engine knowing one image, `busybox:local`. */
export function scriptedContainers(): ScriptedContainers {
  const containers = new Map<string, ScriptedContainer>();
  const signals: string[] = [];
  let serial = 0;
  let clock = Date.parse('2026-11-22T14:17:16Z');

  const resolve = (name: string): ScriptedContainer => {
    const bare = name.replace(/^\//, '');
    const byName = [...containers.values()].find((k) => k.name === bare);
    if (byName) return byName;
    const byId = [...containers.values()].filter((k) => k.id.startsWith(name));
    if (byId.length !== 1) throw notFound(name);
    return byId[0];
  };

  const finish = (k: ScriptedContainer, code: number) => {
    k.state = 'exited';
    k.exitCode = code;
    for (const l of k.listeners) l(undefined);
    k.listeners.clear();
    const pending = k.waiters.filter((w) => w.condition !== 'removed');
    k.waiters = k.waiters.filter((w) => w.condition === 'removed');
    for (const w of pending) w.resolve({ StatusCode: code, Error: null });
  };

  const live = (k: ScriptedContainer, signal: AbortSignal | undefined, backlog: OutputRecord[], filter: (r: OutputRecord) => boolean): AsyncIterable<OutputRecord> => {
    const queue: Array<OutputRecord | undefined> = backlog.filter(filter);
    let wake: (() => void) | undefined;
    const listener = (r: OutputRecord | undefined) => {
      if (r !== undefined && !filter(r)) return;
      queue.push(r);
      wake?.();
    };
    const running = k.state === 'running' || k.state === 'paused';
    if (running) k.listeners.add(listener);
    else queue.push(undefined);
    signal?.addEventListener('abort', () => listener(undefined), { once: true });
    return {
      async *[Symbol.asyncIterator]() {
        try {
          for (;;) {
            if (queue.length === 0) await new Promise<void>((r) => (wake = r));
            const next = queue.shift();
            if (next === undefined) return;
            yield next;
          }
        } finally {
          k.listeners.delete(listener);
        }
      },
    };
  };

  const engine: ScriptedContainers = {
    signals,
    output(name, stream, text) {
      const k = resolve(name);
      clock += 1000;
      const record: OutputRecord = { stream, time: new Date(clock).toISOString().replace('Z', '000000Z'), bytes: encoder.encode(text) };
      k.log.push(record);
      for (const l of k.listeners) l(record);
    },
    exit(name, code) {
      finish(resolve(name), code);
    },

    async createContainer(body, options = {}) {
      if (body.Image !== 'busybox:local') throw new StrataError('not-found', `No such image: ${body.Image}`);
      if (!body.Cmd?.length && !body.Entrypoint?.length) throw new StrataError('invalid', 'No command specified');
      const id = (++serial).toString(16).padStart(4, '0').repeat(16);
      const name = options.name ?? `scripted_${serial}`;
      const holder = [...containers.values()].find((k) => k.name === name);
      if (holder) {
        throw new StrataError(
          'conflict',
          `Conflict. The container name "/${name}" is already in use by container "${holder.id}". You have to remove (or rename) that container to be able to reuse that name.`,
        );
      }
      containers.set(id, { id, name, body, state: 'created', exitCode: 0, log: [], listeners: new Set(), waiters: [], onNextStart: [] });
      return { Id: id, Warnings: [] };
    },
    async startContainer(name) {
      const k = resolve(name);
      if (k.state === 'running' || k.state === 'paused') throw new StrataError('not-modified', 'container already started');
      k.state = 'running';
      for (const hook of k.onNextStart.splice(0)) hook();
      engine.onStart?.(k.id, [...(k.body.Entrypoint ?? []), ...(k.body.Cmd ?? [])]);
    },
    async stopContainer(name) {
      const k = resolve(name);
      if (k.state !== 'running' && k.state !== 'paused') throw new StrataError('not-modified', 'container already stopped');
      finish(k, 137);
    },
    async restartContainer(name) {
      const k = resolve(name);
      if (k.state === 'running' || k.state === 'paused') finish(k, 137);
      await engine.startContainer(k.id);
    },
    async killContainer(name, signal = 'KILL') {
      const k = resolve(name);
      if (k.state !== 'running' && k.state !== 'paused') throw new StrataError('conflict', `Cannot kill container: ${name}: Container ${k.id} is not running`);
      signals.push(signal);
      if (signal === 'KILL' || signal === 'SIGKILL' || signal === '9') finish(k, 137);
    },
    async pauseContainer(name) {
      const k = resolve(name);
      if (k.state === 'paused') throw new StrataError('conflict', `Container ${k.id} is already paused`);
      if (k.state !== 'running') throw new StrataError('conflict', `Container ${k.id} is not running`);
      k.state = 'paused';
    },
    async unpauseContainer(name) {
      const k = resolve(name);
      if (k.state !== 'paused') throw new StrataError('conflict', `Container ${k.id} is not paused`);
      k.state = 'running';
    },
    async removeContainer(name, options = {}) {
      const k = resolve(name);
      if ((k.state === 'running' || k.state === 'paused') && !options.force) {
        throw new StrataError('conflict', `You cannot remove a running container ${k.id}. Stop the container before attempting removal or force remove`);
      }
      if (k.state === 'running' || k.state === 'paused') finish(k, 137);
      containers.delete(k.id);
      for (const w of k.waiters) w.resolve({ StatusCode: k.exitCode, Error: null });
    },
    waitContainer(name, condition = 'not-running', signal) {
      let k: ScriptedContainer;
      try {
        k = resolve(name);
      } catch (e) {
        return Promise.reject(e);
      }
      if (condition === 'not-running' && k.state !== 'running' && k.state !== 'paused') return Promise.resolve({ StatusCode: k.exitCode, Error: null });
      return new Promise((done, fail) => {
        const waiter: Waiter = { condition, resolve: done };
        k.waiters.push(waiter);
        signal?.addEventListener('abort', () => {
          k.waiters = k.waiters.filter((w) => w !== waiter);
          fail(new Error('context canceled'));
        }, { once: true });
      });
    },
    async renameContainer(name, newName) {
      const k = resolve(name);
      if (newName === '') throw new StrataError('invalid', 'Neither old nor new names may be empty');
      k.name = newName.replace(/^\//, '');
    },
    async listContainers(options = {}) {
      const list: ContainerSummary[] = [];
      for (const k of [...containers.values()].reverse()) {
        if (!options.all && k.state !== 'running' && k.state !== 'paused') continue;
        list.push({
          Id: k.id,
          Names: [`/${k.name}`],
          Image: k.body.Image,
          ImageID: 'sha256:d9d3d3752bd1479a851c86cfe0e9eaacb42f77a074be843ffefe136299d13479',
          Command: (k.body.Cmd ?? []).join(' '),
          Created: 1795356800,
          Ports: [],
          Labels: {},
          State: k.state,
          Status: k.state === 'exited' ? `Exited (${k.exitCode}) 4 seconds ago` : k.state === 'created' ? 'Created' : 'Up 9 seconds',
          HostConfig: { NetworkMode: 'none' },
          NetworkSettings: { Networks: {} },
          Mounts: [],
        });
      }
      return options.limit ? list.slice(0, options.limit) : list;
    },
    async inspectContainer(name) {
      const k = resolve(name);
      return {
        Id: k.id,
        Name: `/${k.name}`,
        State: { Status: k.state, Running: k.state === 'running' || k.state === 'paused', Paused: k.state === 'paused', ExitCode: k.exitCode },
        Config: { ...k.body, Tty: k.body.Tty ?? false, Hostname: k.id.slice(0, 12) },
        HostConfig: k.body.HostConfig ?? {},
      };
    },
    async containerLogs(name, options: ContainerLogOptions = {}) {
      const k = resolve(name);
      const wanted = (r: OutputRecord) => (r.stream === 'stdout' ? !!options.stdout : !!options.stderr);
      let backlog = k.log.filter(wanted);
      if (options.tail !== undefined) backlog = options.tail === 0 ? [] : backlog.slice(-options.tail);
      const records: AsyncIterable<OutputRecord> = options.follow
        ? live(k, options.signal, backlog, wanted)
        : (async function* () {
            yield* backlog;
          })();
      return { tty: k.body.Tty ?? false, records };
    },
    async attachContainer(name, options = {}) {
      const k = resolve(name);
      const wanted = (r: OutputRecord) => (r.stream === 'stdout' ? !!options.stdout : !!options.stderr);
      const backlog = options.logs ? k.log : [];
      if (k.state === 'running' || k.state === 'paused') return { tty: k.body.Tty ?? false, records: live(k, options.signal, backlog, wanted) };
      // Attached before start (docker run): the stream lasts until the next exit.
      const started = new Promise<AsyncIterable<OutputRecord>>((r) => k.onNextStart.push(() => r(live(k, options.signal, [], wanted))));
      const records = (async function* () {
        yield* backlog.filter(wanted);
        yield* await started;
      })();
      return { tty: k.body.Tty ?? false, records };
    },
    async topContainer(name) {
      const k = resolve(name);
      if (k.state !== 'running' && k.state !== 'paused') throw new StrataError('conflict', `Container ${k.id} is not running`);
      return { Titles: ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD'], Processes: [['root', '19974', '19946', '5', '14:18', '?', '00:00:00', (k.body.Cmd ?? []).join(' ')]] };
    },
    async resizeContainer(name) {
      const k = resolve(name);
      if (k.state !== 'running' && k.state !== 'paused') throw new StrataError('conflict', `Container ${k.id} is not running`);
    },
  };
  return engine;
}
