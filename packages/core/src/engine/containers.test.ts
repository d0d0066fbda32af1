// Engine container use cases over a Runtime double.
//
// The double below simulates processes (a tiny `sh -c` with echo, sleep, exit and trap) so the
// engine's own logic — records, state machine, waits, events, restart policies, re-adoption — can
// be tested in core without Linux privileges. The real runtime (overlayfs + runc + conmon) is
// tested in packages/runtime, and the whole lifecycle end to end through stratad and the docker CLI.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ContainerRuntimeSpec, ExitInfo, LogOptions, LogRecord, Runtime, RuntimeState } from '../lifecycle/index.js';
import { NAME_ADJECTIVES, NAME_SURNAMES } from '../lifecycle/index.js';
import { testPorts } from '../../test-support/memory.js';
import { fixturesDir, readFixture, streamOf } from '../../test-support/node.js';
import type { EngineEvent } from './api.js';
import { createEngine, type Engine } from './index.js';
import { rfc3339Nano } from './time.js';

type Clock = { now(): number };

interface SimProcess {
  pid: number;
  startedAt: string;
  paused: boolean;
  pending: string[];
  ignoreTerm: boolean;
  exit?: ExitInfo;
  exited: Promise<ExitInfo>;
  finish(code: number): void;
  wake?: () => void;
}

/** Runtime double: processes are simulated; exits, logs and signals behave as the port describes. */
class SimulatedRuntime implements Runtime {
  readonly name = 'sim';
  readonly specs = new Map<string, ContainerRuntimeSpec>();
  readonly procs = new Map<string, SimProcess>();
  readonly logRecords = new Map<string, LogRecord[]>();
  readonly logWaiters = new Map<string, Set<() => void>>();
  readonly calls: string[] = [];
  private nextPid = 1000;

  constructor(private readonly clock: Clock) {}

  async available() {
    return { ok: true as const };
  }

  async prepare(spec: ContainerRuntimeSpec) {
    this.calls.push(`prepare ${spec.name}`);
    this.specs.set(spec.id, spec);
  }

  async start(id: string) {
    const spec = this.specs.get(id);
    if (!spec) throw new Error(`container ${id} not prepared`);
    const [cmd, ...rest] = spec.process.args;
    const script = cmd === 'sh' && rest[0] === '-c' ? rest[1] : spec.process.args.join(' ');
    const first = script.trim().split(/\s+/)[0];
    if (!['echo', 'sleep', 'exit', 'trap', 'true'].includes(first)) {
      throw new Error(`failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "${first}": executable file not found in $PATH: unknown`);
    }
    let finish!: (code: number) => void;
    const exited = new Promise<ExitInfo>((resolve) => {
      finish = (code) => {
        if (proc.exit) return;
        proc.exit = { exitCode: code, finishedAt: rfc3339Nano(this.clock.now()) };
        resolve(proc.exit);
        this.wakeLogs(id);
      };
    });
    const proc: SimProcess = { pid: this.nextPid++, startedAt: rfc3339Nano(this.clock.now()), paused: false, pending: [], ignoreTerm: false, exited, finish };
    this.procs.set(id, proc);
    void this.run(id, proc, script);
    return { pid: proc.pid, startedAt: proc.startedAt };
  }

  private async run(id: string, proc: SimProcess, script: string) {
    await Promise.resolve();
    for (const part of script.split(';').map((s) => s.trim()).filter(Boolean)) {
      if (proc.exit) return;
      const [word, ...args] = part.split(/\s+/);
      if (word === 'echo') {
        const toErr = args.at(-1) === '>&2';
        const text = (toErr ? args.slice(0, -1) : args).join(' ');
        this.write(id, toErr ? 'stderr' : 'stdout', `${text}\n`);
      } else if (word === 'exit') return proc.finish(Number(args[0]));
      else if (word === 'trap') proc.ignoreTerm = true;
      else if (word === 'sleep') {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, Number(args[0]) * 1000);
          proc.exited.then(() => (clearTimeout(t), resolve()));
        });
      }
    }
    proc.finish(0);
  }

  write(id: string, stream: 'stdout' | 'stderr', text: string) {
    const list = this.logRecords.get(id) ?? [];
    list.push({ stream, time: rfc3339Nano(this.clock.now()), bytes: new TextEncoder().encode(text), partial: false });
    this.logRecords.set(id, list);
    this.wakeLogs(id);
  }

  private wakeLogs(id: string) {
    for (const w of this.logWaiters.get(id) ?? []) w();
  }

  private deliver(id: string, proc: SimProcess, signal: string) {
    if (signal === 'SIGKILL') return proc.finish(137);
    if (proc.paused) return void proc.pending.push(signal);
    if (signal === 'SIGTERM' && !proc.ignoreTerm) return proc.finish(143);
    if (signal === 'SIGINT') return proc.finish(130);
  }

  async kill(id: string, signal: string) {
    this.calls.push(`kill ${signal}`);
    const proc = this.procs.get(id);
    if (!proc || proc.exit) throw new Error('process not running');
    this.deliver(id, proc, signal);
  }

  async pause(id: string) {
    this.procs.get(id)!.paused = true;
  }

  async resume(id: string) {
    const proc = this.procs.get(id)!;
    proc.paused = false;
    for (const s of proc.pending.splice(0)) this.deliver(id, proc, s);
  }

  async state(id: string): Promise<RuntimeState> {
    const proc = this.procs.get(id);
    if (!proc) return { status: this.specs.has(id) ? 'prepared' : 'unknown' };
    if (proc.exit) return { status: 'exited', exit: proc.exit, startedAt: proc.startedAt };
    return { status: proc.paused ? 'paused' : 'running', pid: proc.pid, startedAt: proc.startedAt };
  }

  async waitExit(id: string, signal?: AbortSignal): Promise<ExitInfo> {
    const proc = this.procs.get(id);
    if (!proc) throw new Error('no process');
    return new Promise((resolve, reject) => {
      proc.exited.then(resolve);
      signal?.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
    });
  }

  async *logs(id: string, options: LogOptions = {}): AsyncIterable<LogRecord> {
    let i = 0;
    const all = () => (this.logRecords.get(id) ?? []).filter((r) => options.since === undefined || Date.parse(r.time) / 1000 >= options.since);
    const initial = all();
    if (options.tail !== undefined) i = Math.max(0, initial.length - options.tail);
    for (;;) {
      const list = all();
      while (i < list.length) yield list[i++];
      const proc = this.procs.get(id);
      if (!options.follow || !proc || proc.exit || options.signal?.aborted) return;
      await new Promise<void>((resolve) => {
        const set = this.logWaiters.get(id) ?? new Set();
        this.logWaiters.set(id, set);
        const done = () => (set.delete(done), resolve());
        set.add(done);
        options.signal?.addEventListener('abort', done, { once: true });
      });
    }
  }

  async top(id: string) {
    const proc = this.procs.get(id)!;
    return { Titles: ['PID', 'CMD'], Processes: [[String(proc.pid), this.specs.get(id)!.process.args.join(' ')]] };
  }

  async writableSize() {
    return 4096;
  }

  async remove(id: string) {
    const proc = this.procs.get(id);
    if (proc && !proc.exit) throw new Error('cannot remove a running container');
    this.calls.push(`remove ${id.slice(0, 12)}`);
    this.procs.delete(id);
    this.specs.delete(id);
    this.logRecords.delete(id);
  }

  async list() {
    return [...this.specs.keys()];
  }
}

const BUSYBOX_ID = 'sha256:d9d3d3752bd1479a851c86cfe0e9eaacb42f77a074be843ffefe136299d13479';
const text = (chunks: Array<{ bytes: Uint8Array }>) => chunks.map((c) => new TextDecoder().decode(c.bytes)).join('');

async function collectAll<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** Container events from now on (the fake clock steps 10 ms so older events fall before `since`). */
function recordEvents(engine: Engine, ports: ReturnType<typeof testPorts>) {
  const ac = new AbortController();
  const seen: EngineEvent[] = [];
  ports.advance(10);
  const since = (ports.clock.now() - 5) / 1000;
  void (async () => {
    for await (const e of engine.events({ since, signal: ac.signal, filters: { type: ['container'] } })) seen.push(e);
  })();
  return { seen, stop: () => ac.abort() };
}

const until = async (check: () => Promise<boolean> | boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('engine: container lifecycle (over a simulated runtime)', () => {
  let ports: ReturnType<typeof testPorts>;
  let runtime: SimulatedRuntime;
  let engine: Engine;

  beforeEach(async () => {
    ports = testPorts();
    runtime = new SimulatedRuntime(ports.clock);
    engine = createEngine({ ...ports, runtime });
    await engine.loadImages(streamOf(readFixture('images/01-base/image.tar')));
  });
  afterEach(async () => {
    await engine.close();
  });

  it('refuses an image that is not here and an image without a command, as dockerd words it', async () => {
    await expect(engine.createContainer({ Image: 'nosuch' })).rejects.toMatchObject({ kind: 'not-found', message: 'No such image: nosuch:latest' });
    // busybox:local has no Cmd (create_nocmd_err).
    await expect(engine.createContainer({ Image: 'busybox:local' })).rejects.toMatchObject({ kind: 'invalid', message: 'No command specified' });
    await expect(engine.createContainer({ Image: 'busybox:local', Entrypoint: [''], Cmd: null })).rejects.toMatchObject({ message: 'No command specified' });
    expect(await ports.metadata.list('containers')).toEqual([]);
  });

  it('creates with a 64-hex ID, the short ID as hostname, a generated name and a record in `containers`', async () => {
    const { Id, Warnings } = await engine.createContainer({ Image: 'busybox:local', Cmd: ['sh', '-c', 'echo hi'] });
    expect(Id).toMatch(/^[0-9a-f]{64}$/);
    expect(Warnings).toEqual([]);
    const inspect = (await engine.inspectContainer(Id.slice(0, 7))) as any;
    expect(inspect.Config.Hostname).toBe(Id.slice(0, 12));
    const [adjective, surname] = inspect.Name.slice(1).split('_');
    expect(NAME_ADJECTIVES).toContain(adjective);
    expect(NAME_SURNAMES).toContain(surname);
    expect(inspect.Image).toBe(BUSYBOX_ID);
    expect(inspect.State).toMatchObject({ Status: 'created', Running: false, ExitCode: 0, StartedAt: '0001-01-01T00:00:00Z' });
    const stored = await ports.metadata.get<any>('containers', Id);
    expect(stored.name).toBe(inspect.Name);
    expect(runtime.specs.get(Id)?.process).toMatchObject({ args: ['sh', '-c', 'echo hi'], cwd: '/', user: '' });
    expect(runtime.specs.get(Id)?.layers.map((l) => l.diffId)).toEqual(JSON.parse(readFileSync(join(fixturesDir, 'images/01-base/inspect.json'), 'utf8'))[0].RootFS.Layers);
  });

  it('keeps names unique with dockerd\'s conflict message, and renames', async () => {
    const { Id } = await engine.createContainer({ Image: 'busybox:local', Cmd: ['true'] }, { name: 'web' });
    await expect(engine.createContainer({ Image: 'busybox:local', Cmd: ['true'] }, { name: 'web' })).rejects.toMatchObject({
      kind: 'conflict',
      message: `Conflict. The container name "/web" is already in use by container "${Id}". You have to remove (or rename) that container to be able to reuse that name.`,
    });
    await expect(engine.createContainer({ Image: 'busybox:local', Cmd: ['true'] }, { name: '-bad' })).rejects.toMatchObject({ kind: 'invalid' });
    const events = recordEvents(engine, ports);
    await engine.renameContainer('web', 'web2');
    expect(((await engine.inspectContainer('web2')) as any).Id).toBe(Id);
    await expect(engine.inspectContainer('web')).rejects.toMatchObject({ kind: 'not-found', message: 'No such container: web' });
    await engine.createContainer({ Image: 'busybox:local', Cmd: ['true'] }, { name: 'web' });
    await until(() => events.seen.length >= 1);
    expect(events.seen[0]).toMatchObject({ Action: 'rename', Actor: { ID: Id, Attributes: { name: 'web2', oldName: '/web', image: 'busybox:local' } } });
    events.stop();
  });

  it('runs as docker run does: wait next-exit and attach before start, output, exit code, die with exitCode', async () => {
    const events = recordEvents(engine, ports);
    const { Id } = await engine.createContainer({ Image: 'busybox:local', Cmd: ['sh', '-c', 'echo hello; echo oops >&2; exit 3'] }, { name: 'r1' });
    const waited = engine.waitContainer(Id, 'next-exit');
    const attached = await engine.attachContainer(Id, { stdout: true, stderr: true });
    const output = collectAll(attached.records);
    await engine.startContainer(Id);
    expect(await waited).toEqual({ StatusCode: 3, Error: null });
    const records = await output;
    expect(records.map((r) => [r.stream, new TextDecoder().decode(r.bytes)])).toEqual([['stdout', 'hello\n'], ['stderr', 'oops\n']]);
    const inspect = (await engine.inspectContainer('r1')) as any;
    expect(inspect.State).toMatchObject({ Status: 'exited', ExitCode: 3, Running: false, Pid: 0 });
    expect(inspect.State.FinishedAt).not.toBe('0001-01-01T00:00:00Z');
    await until(() => events.seen.some((e) => e.Action === 'die'));
    expect(events.seen.map((e) => e.Action)).toEqual(['create', 'attach', 'start', 'die']);
    expect(events.seen[3].Actor.Attributes).toEqual({ exitCode: '3', image: 'busybox:local', name: 'r1' });
    expect(events.seen[0]).toMatchObject({ status: 'create', id: Id, from: 'busybox:local' });
    // Logs keep stdout and stderr apart.
    const logs = await engine.containerLogs('r1', { stdout: true, stderr: false });
    expect(text(await collectAll(logs.records))).toBe('hello\n');
    expect(logs.tty).toBe(false);
    events.stop();
  });

  it('--rm: wait removed resolves after the record is gone; create, start, die, destroy', async () => {
    const events = recordEvents(engine, ports);
    const { Id } = await engine.createContainer({ Image: 'busybox:local', Cmd: ['sh', '-c', 'echo hi; exit 5'], HostConfig: { AutoRemove: true } });
    const waited = engine.waitContainer(Id, 'removed');
    await engine.startContainer(Id);
    expect(await waited).toEqual({ StatusCode: 5, Error: null });
    await expect(engine.inspectContainer(Id)).rejects.toMatchObject({ kind: 'not-found' });
    expect(await ports.metadata.get('containers', Id)).toBeUndefined();
    expect(runtime.calls).toContain(`remove ${Id.slice(0, 12)}`);
    await until(() => events.seen.some((e) => e.Action === 'destroy'));
    expect(events.seen.map((e) => e.Action)).toEqual(['create', 'start', 'die', 'destroy']);
    events.stop();
  });

  it('--rm: the runtime hears that a start comes next, and the record is never synced (a crash discards it anyway); others are synced as dockerd does', async () => {
    const { Id: rm } = await engine.createContainer({ Image: 'busybox:local', Cmd: ['true'], HostConfig: { AutoRemove: true } });
    const { Id: kept } = await engine.createContainer({ Image: 'busybox:local', Cmd: ['true'] });
    expect(runtime.specs.get(rm)?.startsNext).toBe(true);
    expect(runtime.specs.get(kept)?.startsNext).toBeUndefined();
    expect(ports.metadata.writeOptions.get(`containers/${rm}`)).toEqual({ syncDirectory: false, syncFile: false });
    expect(ports.metadata.writeOptions.get(`containers/${kept}`)).toEqual({ syncDirectory: false });
    const waited = engine.waitContainer(rm, 'removed');
    await engine.startContainer(rm);
    await engine.startContainer(kept);
    expect(ports.metadata.writeOptions.get(`containers/${kept}`)).toEqual({ syncDirectory: false });
    await waited;
    // Deleted without a sync too.
    expect(ports.metadata.writeOptions.get(`containers/${rm}`)).toEqual({ syncDirectory: false, syncFile: false });
  });

  it('--rm: the removed waiter is answered without waiting for the record file to be deleted, and the file goes right after', async () => {
    const { Id } = await engine.createContainer({ Image: 'busybox:local', Cmd: ['true'], HostConfig: { AutoRemove: true } });
    let releaseDelete!: () => void;
    const deleteGate = new Promise<void>((resolve) => (releaseDelete = resolve));
    const metadata = ports.metadata;
    const realDelete = metadata.delete.bind(metadata);
    metadata.delete = async (...args: Parameters<typeof realDelete>) => {
      await deleteGate;
      return realDelete(...args);
    };
    try {
      const waited = engine.waitContainer(Id, 'removed');
      await engine.startContainer(Id);
      expect(await waited).toEqual({ StatusCode: 0, Error: null });
      // Answered while the file is still on disk: the engine no longer knows the container.
      expect(await metadata.get('containers', Id)).toBeDefined();
      await expect(engine.inspectContainer(Id)).rejects.toMatchObject({ kind: 'not-found' });
      expect((await engine.listContainers({ all: true })).map((c) => c.Id)).not.toContain(Id);
      releaseDelete();
      await until(async () => (await metadata.get('containers', Id)) === undefined);
    } finally {
      releaseDelete();
      metadata.delete = realDelete;
    }
  });

  it('--rm: the runtime cleans up after the waiters are answered; a cleanup cut short by a crash is finished at the next start', async () => {
    const { Id } = await engine.createContainer({ Image: 'busybox:local', Cmd: ['true'], HostConfig: { AutoRemove: true } });
    const waited = engine.waitContainer(Id, 'removed');
    await engine.startContainer(Id);
    await waited;
    await engine.close(); // waits for the runtime's part of removals under way
    expect(runtime.specs.has(Id)).toBe(false);

    // A crash between the record's removal and the runtime's: the runtime still has the container.
    runtime.specs.set('f'.repeat(64), { id: 'f'.repeat(64), name: 'orphan', hostname: 'x', layers: [], process: { args: ['true'], env: [], cwd: '/', user: '', tty: false, openStdin: false, stdinOnce: false } });
    const { Id: kept } = await (engine = createEngine({ ...ports, runtime })).createContainer({ Image: 'busybox:local', Cmd: ['true'] });
    expect(await runtime.list()).toEqual([kept]);
    expect(runtime.calls).toContain(`remove ${'f'.repeat(12)}`);
  });

  it('a start that fails records 127, answers the wait and leaves the container Created', async () => {
    const { Id } = await engine.createContainer({ Image: 'busybox:local', Cmd: ['nosuchcmd'] }, { name: 'bad' });
    const waited = engine.waitContainer(Id, 'next-exit');
    await expect(engine.startContainer('bad')).rejects.toMatchObject({ kind: 'invalid', message: expect.stringContaining('executable file not found in $PATH') });
    expect(await waited).toEqual({ StatusCode: 127, Error: null });
    const [summary] = await engine.listContainers({ all: true });
    expect(summary).toMatchObject({ State: 'created', Status: 'Created' });
    expect(((await engine.inspectContainer('bad')) as any).State.Error).toContain('executable file not found');
  });

  it('answers each wrong move with dockerd\'s status and wording', async () => {
    const { Id } = await engine.createContainer({ Image: 'busybox:local', Cmd: ['sleep', '30'] }, { name: 'web' });
    await expect(engine.stopContainer('web')).rejects.toMatchObject({ kind: 'not-modified' });
    await expect(engine.killContainer('web')).rejects.toMatchObject({ kind: 'conflict', message: `Cannot kill container: web: Container ${Id} is not running` });
    await engine.startContainer('web');
    await expect(engine.startContainer('web')).rejects.toMatchObject({ kind: 'not-modified' });
    await expect(engine.removeContainer('web')).rejects.toMatchObject({
      kind: 'conflict',
      message: `You cannot remove a running container ${Id}. Stop the container before attempting removal or force remove`,
    });
    await engine.pauseContainer('web');
    await expect(engine.pauseContainer('web')).rejects.toMatchObject({ kind: 'conflict', message: `Container ${Id} is already paused` });
    expect((await engine.listContainers())[0]).toMatchObject({ State: 'paused', Status: 'Up Less than a second (Paused)' });
    await engine.unpauseContainer('web');
    await expect(engine.unpauseContainer('web')).rejects.toMatchObject({ kind: 'conflict', message: `Container ${Id} is not paused` });
    expect(await engine.topContainer('web')).toEqual({ Titles: ['PID', 'CMD'], Processes: [[expect.any(String), 'sleep 30']] });
    await expect(engine.killContainer('web', 'SIGNOPE')).rejects.toMatchObject({ kind: 'invalid', message: 'Invalid signal: SIGNOPE' });
    await engine.removeContainer('web', { force: true });
    await expect(engine.inspectContainer(Id)).rejects.toMatchObject({ kind: 'not-found' });
  });

  it('stop: StopSignal first, then KILL after the grace period; kill, die, stop events', async () => {
    const { Id } = await engine.createContainer({ Image: 'busybox:local', Cmd: ['sh', '-c', 'trap "" TERM; sleep 30'] }, { name: 'stubborn' });
    await engine.startContainer(Id);
    const events = recordEvents(engine, ports);
    const t0 = Date.now();
    await engine.stopContainer('stubborn', { timeout: 0.2 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
    expect(((await engine.inspectContainer(Id)) as any).State).toMatchObject({ Status: 'exited', ExitCode: 137 });
    expect(runtime.calls.filter((c) => c.startsWith('kill'))).toEqual(['kill SIGTERM', 'kill SIGKILL']);
    await until(() => events.seen.some((e) => e.Action === 'stop'));
    expect(events.seen.map((e) => [e.Action, e.Actor.Attributes.signal ?? e.Actor.Attributes.exitCode ?? ''])).toEqual([
      ['kill', '15'],
      ['kill', '9'],
      ['die', '137'],
      ['stop', ''],
    ]);
    // StopSignal from the create body; a process that honours it stops at once.
    await engine.createContainer({ Image: 'busybox:local', Cmd: ['sleep', '30'], StopSignal: 'SIGINT' }, { name: 'polite' });
    await engine.startContainer('polite');
    await engine.stopContainer('polite');
    expect(((await engine.inspectContainer('polite')) as any).State.ExitCode).toBe(130);
    events.stop();
  });

  it('restart policies: on-failure:2 restarts twice then stays exited; a manual stop is not restarted', async () => {
    const { Id } = await engine.createContainer({ Image: 'busybox:local', Cmd: ['sh', '-c', 'exit 1'], HostConfig: { RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 2 } } });
    await engine.startContainer(Id);
    await until(async () => {
      const i = (await engine.inspectContainer(Id)) as any;
      return i.RestartCount === 2 && i.State.Status === 'exited';
    });
    expect(((await engine.inspectContainer(Id)) as any).State.ExitCode).toBe(1);
    const always = await engine.createContainer({ Image: 'busybox:local', Cmd: ['sleep', '30'], HostConfig: { RestartPolicy: { Name: 'always' } } });
    await engine.startContainer(always.Id);
    await engine.stopContainer(always.Id, { timeout: 1 });
    await new Promise((r) => setTimeout(r, 250));
    expect(((await engine.inspectContainer(always.Id)) as any).State).toMatchObject({ Status: 'exited', ExitCode: 143 });
    await expect(engine.createContainer({ Image: 'busybox:local', Cmd: ['true'], HostConfig: { AutoRemove: true, RestartPolicy: { Name: 'always' } } })).rejects.toMatchObject({ kind: 'invalid' });
  });

  it('re-adopts after an engine restart: running ones stay running, one that exited meanwhile gets its real exit code', async () => {
    const a = await engine.createContainer({ Image: 'busybox:local', Cmd: ['sleep', '30'] }, { name: 'keeps' });
    const b = await engine.createContainer({ Image: 'busybox:local', Cmd: ['sleep', '30'] }, { name: 'dies' });
    const c = await engine.createContainer({ Image: 'busybox:local', Cmd: ['sleep', '30'], HostConfig: { RestartPolicy: { Name: 'always' } } }, { name: 'back' });
    for (const x of [a, b, c]) await engine.startContainer(x.Id);
    await engine.close();
    // While no engine watches: two processes end (as they would under conmon).
    ports.advance(60_000);
    runtime.procs.get(b.Id)!.finish(7);
    runtime.procs.get(c.Id)!.finish(2);
    const finishedAt = runtime.procs.get(b.Id)!.exit!.finishedAt;
    engine = createEngine({ ...ports, runtime });
    const ps = await engine.listContainers({ all: true });
    expect(Object.fromEntries(ps.map((p) => [p.Names[0], p.State]))).toEqual({ '/keeps': 'running', '/dies': 'exited', '/back': expect.stringMatching(/restarting|running/) });
    const dies = (await engine.inspectContainer('dies')) as any;
    expect(dies.State).toMatchObject({ ExitCode: 7, FinishedAt: finishedAt });
    await until(async () => ((await engine.inspectContainer('back')) as any).State.Status === 'running');
    // The adopted process is watched again: its exit is recorded by the new engine.
    runtime.procs.get(a.Id)!.finish(4);
    expect(await engine.waitContainer('keeps')).toEqual({ StatusCode: 4, Error: null });
  });

  it('lists newest first with all, limit, size and filters; Status strings age with the clock', async () => {
    const w1 = await engine.createContainer({ Image: 'busybox:local', Cmd: ['sh', '-c', 'exit 3'], Labels: { tier: 'db' } }, { name: 'w1' });
    await engine.startContainer(w1.Id);
    await engine.waitContainer(w1.Id);
    ports.advance(60_000);
    await engine.createContainer({ Image: BUSYBOX_ID.slice(7, 19), Cmd: ['sleep', '100'] }, { name: 'pc' });
    ports.advance(60_000);
    const up = await engine.createContainer({ Image: 'busybox:local', Cmd: ['sleep', '30'] }, { name: 'up1' });
    await engine.startContainer(up.Id);
    ports.advance(9_500);
    expect((await engine.listContainers()).map((c) => [c.Names[0], c.Status])).toEqual([['/up1', 'Up 9 seconds']]);
    const all = await engine.listContainers({ all: true, size: true });
    expect(all.map((c) => [c.Names[0], c.State, c.Status, c.Command, c.Image])).toEqual([
      ['/up1', 'running', 'Up 9 seconds', 'sleep 30', 'busybox:local'],
      ['/pc', 'created', 'Created', 'sleep 100', 'd9d3d3752bd1'],
      ['/w1', 'exited', 'Exited (3) 2 minutes ago', "sh -c 'exit 3'", 'busybox:local'],
    ]);
    expect(all[0].SizeRw).toBe(4096);
    expect(all[0].SizeRootFs).toBe(4096 + (await engine.inspectImage('busybox:local')).Size);
    expect((await engine.listContainers({ limit: 1 })).map((c) => c.Names[0])).toEqual(['/up1']);
    const names = async (filters: Record<string, string[]>) => (await engine.listContainers({ all: true, filters })).map((c) => c.Names[0]);
    expect(await names({ name: ['^/pc$'] })).toEqual(['/pc']);
    expect(await names({ status: ['exited'] })).toEqual(['/w1']);
    expect((await engine.listContainers({ filters: { status: ['created'] } })).map((c) => c.Names[0])).toEqual(['/pc']);
    expect(await names({ exited: ['3'] })).toEqual(['/w1']);
    expect(await names({ exited: ['0'] })).toEqual([]);
    expect(await names({ label: ['tier=db'] })).toEqual(['/w1']);
    expect(await names({ ancestor: ['busybox:local'] })).toEqual(['/up1', '/pc', '/w1']);
    expect(await names({ id: [up.Id.slice(0, 10)] })).toEqual(['/up1']);
    expect(await names({ before: ['pc'] })).toEqual(['/w1']);
    expect(await names({ since: ['pc'] })).toEqual(['/up1']);
    await expect(engine.listContainers({ filters: { status: ['sleeping'] } })).rejects.toMatchObject({ kind: 'invalid', message: "invalid filter 'status=sleeping'" });
    await expect(engine.listContainers({ filters: { colour: ['red'] } })).rejects.toMatchObject({ kind: 'invalid' });
    await engine.removeContainer('up1', { force: true });
  });

  it('refuses to delete an image a container uses, in moby\'s words', async () => {
    const { Id } = await engine.createContainer({ Image: 'busybox:local', Cmd: ['sleep', '30'] });
    await expect(engine.removeImage(BUSYBOX_ID)).rejects.toMatchObject({
      kind: 'conflict',
      message: `conflict: unable to delete d9d3d3752bd1 (must be forced) - image is being used by stopped container ${Id.slice(0, 12)}`,
    });
    await expect(engine.removeImage('busybox:local')).rejects.toMatchObject({
      message: `conflict: unable to remove repository reference "busybox:local" (must force) - container ${Id.slice(0, 12)} is using its referenced image d9d3d3752bd1`,
    });
    await engine.startContainer(Id);
    await expect(engine.removeImage(BUSYBOX_ID, { force: true })).rejects.toMatchObject({
      message: `conflict: unable to delete d9d3d3752bd1 (cannot be forced) - image is being used by running container ${Id.slice(0, 12)}`,
    });
    await engine.removeContainer(Id, { force: true });
    expect(await engine.removeImage('busybox:local')).toContainEqual({ Deleted: BUSYBOX_ID });
  });

  it('restart = stop + start, with a restart event', async () => {
    const { Id } = await engine.createContainer({ Image: 'busybox:local', Cmd: ['sleep', '30'] }, { name: 'rs' });
    await engine.startContainer(Id);
    const pid1 = ((await engine.inspectContainer(Id)) as any).State.Pid;
    const events = recordEvents(engine, ports);
    await engine.restartContainer('rs', { timeout: 1 });
    const state = ((await engine.inspectContainer(Id)) as any).State;
    expect(state.Status).toBe('running');
    expect(state.Pid).not.toBe(pid1);
    await until(() => events.seen.some((e) => e.Action === 'restart'));
    expect(events.seen.map((e) => e.Action)).toEqual(['kill', 'die', 'stop', 'start', 'restart']);
    events.stop();
    await engine.removeContainer(Id, { force: true });
  });
});

describe('engine: containers without a runtime', () => {
  it('creates, but start says what to install', async () => {
    const ports = testPorts();
    const engine = createEngine(ports);
    await engine.loadImages(streamOf(readFixture('images/01-base/image.tar')));
    const { Id } = await engine.createContainer({ Image: 'busybox:local', Cmd: ['true'] }, { name: 'c1' });
    await expect(engine.startContainer(Id)).rejects.toMatchObject({ kind: 'unavailable', message: expect.stringContaining('apt-get install runc conmon') });
    expect((await engine.listContainers({ all: true })).map((c) => [c.Names[0], c.Status])).toEqual([['/c1', 'Created']]);
    // The record survives an engine restart.
    await engine.close();
    const again = createEngine(ports);
    expect(((await again.inspectContainer('c1')) as any).Id).toBe(Id);
    await again.removeContainer('c1');
    expect(await ports.metadata.list('containers')).toEqual([]);
  });
});
