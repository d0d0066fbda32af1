import { conflict, invalid, notFound, unavailable } from '../errors/index.js';
import { type ContainerRecord, type ExecProcess, isRunning, newContainerId, parseDetachKeys, type Runtime } from '../lifecycle/index.js';
import type { ExecCreateBody, ExecEngine, ExecInspect, OutputRecord } from './api.js';
import { pumpStdin } from './container-stdin.js';
import type { ContainerContext } from './containers.js';

/** One exec instance, kept in memory as dockerd keeps its exec configs. */
interface ExecRecord {
  id: string;
  containerId: string;
  args: string[];
  env: string[];
  cwd: string;
  user: string;
  tty: boolean;
  privileged: boolean;
  openStdin: boolean;
  openStdout: boolean;
  openStderr: boolean;
  detachKeys: string;
  started: boolean;
  running: boolean;
  exitCode: number | null;
  pid: number;
  process?: ExecProcess;
  /** Clock time (ms) the process ended, for forgetting old instances. */
  endedAtMs?: number;
}

/** How long a finished exec stays inspectable (dockerd also forgets finished execs after a while). */
const FINISHED_EXEC_KEPT_MS = 5 * 60_000;

const encoder = new TextEncoder();

/** dockerd's refusal to exec in a container that is not running as it is now. */
function requireActive(r: ContainerRecord): void {
  if (!isRunning(r.state)) throw conflict(`Container ${r.id} is not running`);
  if (r.state.status === 'paused') throw conflict(`Container ${r.id} is paused, unpause the container before exec`);
}

/** The exit code dockerd reports for an exec the runtime could not start: 127 when its command is not found, 126 otherwise. */
function execFailureCode(message: string, command: string): number {
  return message.includes(command) && /executable file not found|no such file or directory/i.test(message) ? 127 : 126;
}

/**
 * docker exec over the Runtime port: exec instances are created against a running container,
 * started once (attached, detached or with a tty), and inspected for their exit code afterwards.
 */
export class ExecService implements ExecEngine {
  private readonly execs = new Map<string, ExecRecord>();

  constructor(
    private readonly ctx: ContainerContext,
    private readonly containerOf: (name: string) => Promise<ContainerRecord>,
  ) {}

  /** Container inspect's `ExecIDs`: the container's exec instances that have not ended (created or running), null when none. */
  execIdsOf(containerId: string): string[] | null {
    const ids = [...this.execs.values()].filter((e) => e.containerId === containerId && e.exitCode === null).map((e) => e.id);
    return ids.length > 0 ? ids : null;
  }

  private get(id: string): ExecRecord {
    const e = this.execs.get(id);
    if (!e) throw notFound(`No such exec instance: ${id}`);
    return e;
  }

  /** Drop exec instances that ended long ago, so a daemon serving many execs does not grow without bound. */
  private forgetFinished(): void {
    const cutoff = this.ctx.ports.clock.now() - FINISHED_EXEC_KEPT_MS;
    for (const [id, e] of this.execs) if (e.endedAtMs !== undefined && e.endedAtMs < cutoff) this.execs.delete(id);
  }

  private emit(r: ContainerRecord, action: string, extra: Record<string, string>): void {
    this.ctx.events.emit('container', action, r.id, { ...r.config.Labels, ...extra, image: r.config.Image, name: r.name.slice(1) });
  }

  async createExec(container: string, body: ExecCreateBody): Promise<{ Id: string }> {
    const r = await this.containerOf(container);
    if (!body || !Array.isArray(body.Cmd) || body.Cmd.length === 0) throw invalid('No exec command specified');
    requireActive(r);
    if (body.DetachKeys) parseDetachKeys(body.DetachKeys);
    this.forgetFinished();
    const id = newContainerId(this.ctx.ports.random);
    const e: ExecRecord = {
      id,
      containerId: r.id,
      args: body.Cmd.map(String),
      env: Array.isArray(body.Env) ? body.Env.map(String) : [],
      cwd: typeof body.WorkingDir === 'string' ? body.WorkingDir : '',
      user: typeof body.User === 'string' ? body.User : '',
      tty: body.Tty === true,
      privileged: body.Privileged === true,
      openStdin: body.AttachStdin === true,
      openStdout: body.AttachStdout === true,
      openStderr: body.AttachStderr === true,
      detachKeys: typeof body.DetachKeys === 'string' ? body.DetachKeys : '',
      started: false,
      running: false,
      exitCode: null,
      pid: 0,
    };
    this.execs.set(id, e);
    this.emit(r, `exec_create: ${e.args.join(' ')}`, { execID: id });
    return { Id: id };
  }

  async startExec(
    id: string,
    options: { detach?: boolean; tty?: boolean; stdin?: ReadableStream<Uint8Array>; signal?: AbortSignal } = {},
  ): Promise<{ tty: boolean; records: AsyncIterable<OutputRecord> }> {
    const e = this.get(id);
    if (e.exitCode !== null) throw conflict(`Error: Exec command ${id} has already run`);
    if (e.started) throw conflict(`Error: Exec command ${id} is already running`);
    const r = await this.containerOf(e.containerId);
    requireActive(r);
    const runtime = this.ctx.ports.runtime;
    if (!runtime?.exec) throw unavailable(`the ${runtime?.name ?? 'missing'} runtime cannot exec`);
    const detach = options.detach === true;
    const attached = !detach && (e.openStdout || e.openStderr || e.openStdin);
    e.started = true;
    e.running = true;
    this.emit(r, `exec_start: ${e.args.join(' ')}`, { execID: id });
    const running = this.run(e, r, { exec: runtime.exec.bind(runtime) }, { ...options, detach, attached });
    // dockerd answers the hijack before the process runs (a failed start goes into the stream), so
    // the client's own setup overlaps the runtime's start. Not with a tty: the client sizes it right
    // after the answer, and only a running process has a terminal to size.
    if (attached && !e.tty) {
      // Awaited by whoever reads the records; a reader that never comes must not leave a rejection unhandled.
      running.catch(() => undefined);
      return { tty: e.tty, records: recordsOnceStarted(running) };
    }
    return running;
  }

  /** Run the exec in the runtime; its output (or dockerd's words for a failed start) as records. */
  private async run(
    e: ExecRecord,
    r: ContainerRecord,
    runtime: Required<Pick<Runtime, 'exec'>>,
    options: { detach: boolean; attached: boolean; stdin?: ReadableStream<Uint8Array>; signal?: AbortSignal },
  ): Promise<{ tty: boolean; records: AsyncIterable<OutputRecord> }> {
    const { id } = e;
    const { detach, attached } = options;
    let proc: ExecProcess;
    try {
      proc = await runtime.exec(r.id, {
        execId: id,
        args: e.args,
        env: e.env,
        cwd: e.cwd,
        user: e.user,
        tty: e.tty,
        privileged: e.privileged,
        stdin: attached && e.openStdin,
        attached,
      });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      e.running = false;
      e.exitCode = execFailureCode(message, e.args[0]);
      e.endedAtMs = this.ctx.ports.clock.now();
      if (detach) throw err;
      // dockerd writes a failed start into the stream itself; the CLI prints it and reads ExitCode.
      options.stdin?.cancel().catch(() => undefined);
      return { tty: e.tty, records: single({ stream: 'stdout', time: this.ctx.now(), bytes: encoder.encode(`${message}\r\n`) }) };
    }
    e.pid = proc.pid;
    e.process = proc;
    const exited = proc.exit.then(
      (code) => code,
      () => 126,
    ).then((code) => {
      e.exitCode = code;
      e.running = false;
      e.process = undefined;
      e.endedAtMs = this.ctx.ports.clock.now();
      this.emit(r, 'exec_die', { execID: id, exitCode: String(code) });
    });
    if (!attached) {
      options.stdin?.cancel().catch(() => undefined);
      return { tty: e.tty, records: single() };
    }
    const attachment = new AbortController();
    if (options.signal?.aborted) attachment.abort();
    options.signal?.addEventListener('abort', () => attachment.abort(), { once: true });
    if (options.stdin && e.openStdin && proc.stdin) {
      const stdin = proc.stdin;
      void pumpStdin({
        stdin: options.stdin,
        connect: async () => stdin,
        // As dockerd: the detach keys are looked for only on a tty; other input (binary data) goes through whole.
        detachKeys: e.tty ? parseDetachKeys(e.detachKeys) : new Uint8Array(0),
        onInputEnd: e.tty ? 'end-attach' : 'close-stdin',
        endAttach: () => attachment.abort(),
        signal: attachment.signal,
      });
    } else {
      options.stdin?.cancel().catch(() => undefined);
    }
    return { tty: e.tty, records: this.outputOf(e, proc, exited, attachment) };
  }

  /** The exec's output until it ends (then its ExitCode is final), or until the attachment ends (detach). */
  private async *outputOf(e: ExecRecord, proc: ExecProcess, exited: Promise<void>, attachment: AbortController): AsyncIterable<OutputRecord> {
    const iterator = proc.output[Symbol.asyncIterator]();
    const ended = new Promise<'ended'>((resolve) => {
      if (attachment.signal.aborted) resolve('ended');
      attachment.signal.addEventListener('abort', () => resolve('ended'), { once: true });
    });
    try {
      for (;;) {
        const next = await Promise.race([iterator.next(), ended]);
        if (next === 'ended') {
          void iterator.return?.();
          return;
        }
        if (next.done) break;
        const { stream, bytes } = next.value;
        if (stream === 'stdout' ? !e.openStdout : !e.openStderr) continue;
        yield { stream, time: this.ctx.now(), bytes };
      }
      if ((await Promise.race([exited.then(() => 'exited' as const), ended])) === 'ended') return;
    } finally {
      attachment.abort();
    }
  }

  async inspectExec(id: string): Promise<ExecInspect> {
    const e = this.get(id);
    return {
      ID: e.id,
      Running: e.running,
      ExitCode: e.exitCode,
      ProcessConfig: { tty: e.tty, entrypoint: e.args[0], arguments: e.args.slice(1), privileged: e.privileged, ...(e.user ? { user: e.user } : {}) },
      OpenStdin: e.openStdin,
      OpenStderr: e.openStderr,
      OpenStdout: e.openStdout,
      CanRemove: false,
      ContainerID: e.containerId,
      DetachKeys: e.detachKeys,
      Pid: e.pid,
    };
  }

  async resizeExec(id: string, size: { height: number; width: number }): Promise<void> {
    const e = this.get(id);
    // A resize that races the process's exit has nothing left to size.
    await e.process?.resize(size).catch(() => undefined);
  }
}

async function* recordsOnceStarted(running: Promise<{ records: AsyncIterable<OutputRecord> }>): AsyncIterable<OutputRecord> {
  yield* (await running).records;
}

async function* single(record?: OutputRecord): AsyncIterable<OutputRecord> {
  if (record) yield record;
}
