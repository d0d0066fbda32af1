import { shortId } from '../digest/index.js';
import { StrataError, conflict, invalid, isStrataError, notFound, unavailable } from '../errors/index.js';
import {
  type ContainerRecord,
  type ContainerRuntimeSpec,
  type ExitInfo,
  type ImageRunConfig,
  type LogRecord,
  type RuntimeState,
  type TerminalSize,
  canonicalContainerName,
  checkPsFilters,
  chooseContainerName,
  containerInspect,
  createdState,
  initOf,
  mountRequests,
  portBindings,
  isRunning,
  matchesPsFilters,
  mergeContainerConfig,
  nameInUse,
  newContainerId,
  normalizeHostConfig,
  seccompOf,
  parseDetachKeys,
  processArgs,
  restartDelay,
  restartPolicyOf,
  restartsWithEngine,
  shouldRestart,
  shortContainerId,
  signalName,
  signalNumber,
  transitions,
} from '../lifecycle/index.js';
import type { ContainerCreateBody, ContainerEngine, ContainerLogOptions, ContainerSummary, Filters, OutputRecord, WaitResult } from './api.js';
import { ExitMonitor } from './container-monitor.js';
import { pumpStdin } from './container-stdin.js';
import { ContainerStore } from './container-store.js';
import { containerSummary } from './container-views.js';
import { ContainerListing } from './container-listing.js';
import type { EventLog } from './events.js';
import type { ImageStore } from './image-store.js';
import { imageSize } from './image-views.js';
import type { EnginePorts } from './ports.js';
import { resolveImage } from './resolve.js';
import { SerialQueue } from './serial.js';
import { NetworkService, checkNetworkMode, networkModeOf } from './networks.js';
import { VolumeService } from './volumes.js';

/** What the container use cases need from the engine. */
export interface ContainerContext {
  ports: EnginePorts;
  store: ImageStore;
  events: EventLog;
  now(): string;
}

type WaitCondition = 'not-running' | 'next-exit' | 'removed';

const DEFAULT_STOP_TIMEOUT_S = 10;
// After SIGKILL a process is gone within milliseconds; this bounds a runtime that lost it.
const KILL_GRACE_MS = 30_000;
const NO_RUNTIME = 'no container runtime: install runc and conmon (apt-get install runc conmon) to run containers';

/**
 * Docker's container lifecycle over the ports: records in the MetadataStore, processes through
 * the Runtime port, exits watched by an ExitMonitor, events on the EventLog.
 */
export class ContainerService implements ContainerEngine {
  private readonly records: ContainerStore;
  /** `docker ps` answers as UTF-8 JSON, each summary serialized once per change of its record. */
  private readonly listing = new ContainerListing();
  private readonly monitor: ExitMonitor | undefined;
  /** Create and rename: name reservations happen one at a time. */
  private readonly names = new SerialQueue();
  private readonly locks = new Map<string, SerialQueue>();
  /** Listeners woken on every state change of a container (start, exit, removal). */
  private readonly changes = new Map<string, Set<() => void>>();
  private readonly restartTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly restartDelays = new Map<string, number>();
  private closed = false;
  /** Re-adoption of the records against the runtime; every use case waits for it. */
  readonly ready: Promise<void>;
  /** Volumes, over the same container records (a volume is in use while a record mounts it). */
  readonly volumes: VolumeService;
  /** The built-in networks and the bridge's addresses and forwards. */
  readonly networks: NetworkService;

  constructor(private readonly ctx: ContainerContext) {
    this.records = new ContainerStore(ctx.ports.metadata);
    const { metadata, random, clock } = ctx.ports;
    this.volumes = new VolumeService({ metadata, random, store: ctx.ports.volumes, containers: this.records, nowMs: () => clock.now() });
    this.networks = new NetworkService({ metadata, random, port: ctx.ports.network, containers: this.records, now: ctx.now });
    const runtime = ctx.ports.runtime;
    this.monitor = runtime ? new ExitMonitor(runtime, (id, exit) => this.onExit(id, exit), ctx.now) : undefined;
    this.ready = this.adopt();
  }

  private get runtime() {
    return this.ctx.ports.runtime;
  }

  private lock<T>(id: string, task: () => Promise<T>): Promise<T> {
    let q = this.locks.get(id);
    if (!q) this.locks.set(id, (q = new SerialQueue()));
    return q.run(task);
  }

  private async resolve(name: string): Promise<ContainerRecord> {
    await this.ready;
    return this.records.resolve(name);
  }

  /** The record of a container by full ID, name or unique ID prefix (`No such container: X`). */
  record(name: string): Promise<ContainerRecord> {
    return this.resolve(name);
  }

  private async current(id: string): Promise<ContainerRecord> {
    const r = await this.records.get(id);
    if (!r) throw notFound(`No such container: ${id}`);
    return r;
  }

  private async save(r: ContainerRecord): Promise<void> {
    await this.records.put(r);
    this.notify(r.id);
  }

  /** A state change in memory only (see ContainerStore.remember), with the same wake-ups as save. */
  private async remember(r: ContainerRecord): Promise<void> {
    await this.records.remember(r);
    this.notify(r.id);
  }

  private notify(id: string): void {
    for (const l of [...(this.changes.get(id) ?? [])]) l();
  }

  /** Resolves on the container's next state change, or when `signal` aborts. */
  private nextChange(id: string, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const set = this.changes.get(id) ?? new Set();
      this.changes.set(id, set);
      const done = () => {
        set.delete(done);
        if (set.size === 0 && this.changes.get(id) === set) this.changes.delete(id);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      set.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  private emit(r: ContainerRecord, action: string, extra: Record<string, string> = {}): void {
    this.ctx.events.emit('container', action, r.id, { ...r.config.Labels, ...extra, image: r.config.Image, name: r.name.slice(1) });
  }

  private async requireRuntime() {
    const runtime = this.runtime;
    if (!runtime) throw unavailable(NO_RUNTIME);
    const ok = await runtime.available();
    if (!ok.ok) throw unavailable(ok.reason);
    return runtime;
  }

  // ---- create -------------------------------------------------------------------------------

  async createContainer(body: ContainerCreateBody, options: { name?: string; platform?: string } = {}): Promise<{ Id: string; Warnings: string[] }> {
    await this.ready;
    if (!body || typeof body !== 'object') throw invalid('config cannot be empty in order to create a container');
    if (typeof body.Image !== 'string' || body.Image === '') throw invalid('No image specified');
    const { image } = await resolveImage(this.ctx.store, body.Image);
    const imageConfig = await this.ctx.store.config(image.id);
    const config = mergeContainerConfig(body, (imageConfig.config ?? null) as ImageRunConfig | null, body.Image);
    const hostConfig = normalizeHostConfig(body.HostConfig);
    checkNetworkMode(hostConfig);
    seccompOf(hostConfig);
    portBindings(hostConfig, config.ExposedPorts);
    const mountPlan = mountRequests(hostConfig, [config.Volumes]);
    const warnings: string[] = [];
    const bindings = hostConfig.PortBindings as Record<string, unknown> | undefined;
    if (hostConfig.NetworkMode === 'host' && bindings && Object.keys(bindings).length) warnings.push('Published ports are discarded when using host network mode');
    const layers: ContainerRuntimeSpec['layers'] = [];
    for (const diffId of image.diffIds) {
      const layer = await this.ctx.store.layer(diffId);
      if (!layer) throw notFound(`layer ${diffId} of image ${shortId(image.id)} is missing from the store`);
      layers.push({ diffId, blob: layer.blob, mediaType: layer.mediaType });
    }
    return this.names.run(async () => {
      // `docker run --rm` without -t/-i, off the bridge and the host's network (whose setup comes at
      // start): a launch the runtime has ready, under an ID of its choosing.
      const warmable =
        hostConfig.AutoRemove === true && config.Tty !== true && config.OpenStdin !== true && networkModeOf(hostConfig) !== 'host' && !this.networks.joinsBridge(hostConfig);
      const id = (warmable && this.runtime?.takeWarmId?.()) || newContainerId(this.ctx.ports.random);
      let name: string;
      if (options.name) {
        name = canonicalContainerName(options.name);
        const holder = await this.records.byName(name);
        if (holder) throw nameInUse(name, holder.id);
      } else {
        const taken = new Set((await this.records.all()).map((r) => r.name));
        name = chooseContainerName(this.ctx.ports.random, id, (n) => taken.has(n));
      }
      config.Hostname = config.Hostname || shortContainerId(id);
      const { path, args } = processArgs(config);
      const record: ContainerRecord = {
        id,
        name,
        created: this.ctx.now(),
        path,
        args,
        image: image.id,
        config,
        hostConfig,
        state: createdState(),
        restartCount: 0,
        startedBefore: false,
        manuallyStopped: false,
        platform: 'linux',
      };
      const volumes = await this.volumes.resolveMounts(mountPlan);
      if (volumes.mounts.length) record.mounts = volumes.mounts;
      const runtime = this.runtime;
      try {
        if (runtime && (await runtime.available()).ok) {
          try {
            await runtime.prepare(runtimeSpec(record, layers, this.networks.sandboxKey(record)));
          } catch (e) {
            // A failed create leaves nothing behind: neither a record nor the runtime's half-made root.
            await runtime.remove(id).catch(() => undefined);
            throw e;
          }
        }
        await this.records.put(record);
      } catch (e) {
        await volumes.undo();
        throw e;
      }
      this.layersOf.set(id, layers);
      this.emit(record, 'create');
      return { Id: id, Warnings: warnings };
    });
  }

  private readonly layersOf = new Map<string, ContainerRuntimeSpec['layers']>();

  /** The runtime spec of a record (layers from the image store when not cached). */
  private async specOf(r: ContainerRecord): Promise<ContainerRuntimeSpec> {
    let layers = this.layersOf.get(r.id);
    if (!layers) {
      const image = await this.ctx.store.image(r.image);
      if (!image) throw notFound(`No such image: ${r.image}`);
      layers = [];
      for (const diffId of image.diffIds) {
        const layer = await this.ctx.store.layer(diffId);
        if (!layer) throw notFound(`layer ${diffId} is missing from the store`);
        layers.push({ diffId, blob: layer.blob, mediaType: layer.mediaType });
      }
    }
    return runtimeSpec(r, layers, this.networks.sandboxKey(r));
  }

  // ---- start --------------------------------------------------------------------------------

  async startContainer(name: string): Promise<void> {
    const { id } = await this.resolve(name);
    await this.lock(id, async () => {
      const r = await this.current(id);
      if (r.state.status === 'restarting') throw new StrataError('not-modified', 'container is already running');
      transitions.start(r.state);
      const runtime = await this.requireRuntime();
      r.manuallyStopped = false;
      await this.startLocked(r, runtime);
    });
  }

  /** Run the process of a record whose lock is held; on failure record the error as dockerd does. */
  private async startLocked(r: ContainerRecord, runtime: NonNullable<EnginePorts['runtime']>): Promise<void> {
    let started: { pid: number; startedAt: string };
    try {
      const known = await runtime.state(r.id).catch(() => ({ status: 'unknown' as const }));
      if (known.status === 'unknown') await runtime.prepare(await this.specOf(r));
      const endpoint = await this.networks.connect(r);
      if (endpoint) r.endpoint = endpoint;
      try {
        started = await runtime.start(r.id, endpoint ? { ipAddress: endpoint.ipAddress } : undefined);
      } catch (e) {
        await this.networks.disconnect(r);
        throw e;
      }
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      r.state = { ...r.state, status: r.state.status === 'restarting' ? 'exited' : r.state.status, error: message, exitCode: startFailureCode(message), pid: 0 };
      await this.save(r);
      // As dockerd: a container whose start failed holds no mount.
      await runtime.release?.(r.id).catch(() => undefined);
      if (r.hostConfig.AutoRemove === true) await this.removeLocked(r);
      if (isStrataError(e)) throw e;
      throw new StrataError('invalid', message, { cause: e });
    }
    r.state = { ...r.state, status: 'running', pid: started.pid, startedAt: started.startedAt || this.ctx.now(), exitCode: 0, error: '', oomKilled: false };
    r.startedBefore = true;
    await this.save(r);
    this.emit(r, 'start');
    this.monitor?.watch(r.id);
  }

  // ---- exits, restart policies, re-adoption -------------------------------------------------

  /** A process ended: record it, emit `die`, then AutoRemove or the restart policy. */
  private onExit(id: string, exit: ExitInfo): Promise<void> {
    return this.lock(id, async () => {
      const r = await this.records.get(id);
      if (!r || !isRunning(r.state)) return;
      await this.recordExit(r, exit);
    });
  }

  private async recordExit(r: ContainerRecord, exit: ExitInfo): Promise<void> {
    const ranForMs = Date.parse(exit.finishedAt) - Date.parse(r.state.startedAt);
    const restart =
      r.hostConfig.AutoRemove !== true &&
      !this.closed &&
      shouldRestart(restartPolicyOf(r.hostConfig), { exitCode: exit.exitCode, manuallyStopped: r.manuallyStopped, restartCount: r.restartCount });
    r.state = { ...r.state, status: restart ? 'restarting' : 'exited', pid: 0, exitCode: exit.exitCode, finishedAt: exit.finishedAt, oomKilled: exit.oomKilled ?? false };
    await this.networks.disconnect(r).catch(() => undefined);
    // An AutoRemove record is deleted right after: its exit needs no write of its own.
    if (r.hostConfig.AutoRemove === true) await this.remember(r);
    else await this.save(r);
    this.emit(r, 'die', { exitCode: String(exit.exitCode) });
    if (r.hostConfig.AutoRemove === true) {
      // `docker run --rm` waits for `removed`: the record goes now, the runtime's cleanup after (see removeLocked).
      await this.removeLocked(r, true, { runtimeLater: true });
      return;
    }
    if (restart) this.scheduleRestart(r.id, restartDelay(this.restartDelays.get(r.id) ?? 0, Number.isFinite(ranForMs) ? ranForMs : 0));
    // Waiters are already woken; an exited container gives back its mount (start mounts it again).
    else await this.runtime?.release?.(r.id).catch(() => undefined);
  }

  private scheduleRestart(id: string, delayMs: number): void {
    this.restartDelays.set(id, delayMs);
    clearTimeout(this.restartTimers.get(id));
    const timer = setTimeout(() => {
      this.restartTimers.delete(id);
      void this.lock(id, async () => {
        const r = await this.records.get(id);
        if (!r || r.state.status !== 'restarting' || this.closed || !this.runtime) return;
        r.restartCount += 1;
        await this.startLocked(r, this.runtime).catch(() => undefined);
      });
    }, delayMs);
    this.restartTimers.set(id, timer);
  }

  private cancelRestart(id: string): void {
    clearTimeout(this.restartTimers.get(id));
    this.restartTimers.delete(id);
    this.restartDelays.delete(id);
  }

  /**
   * Reconcile every record with the runtime when the engine starts: running containers are
   * watched again, those that exited while the engine was down get their real exit code and
   * FinishedAt, and restart policies apply.
   */
  private async adopt(): Promise<void> {
    await this.networks.ensureIdentities().catch(() => undefined);
    const runtime = this.runtime;
    if (!runtime) return;
    const usable = (await runtime.available().catch(() => ({ ok: false as const, reason: '' }))).ok;
    if (!usable) return;
    // Namespaces left by a crash between steps go first: once the loop below runs, restarts it schedules
    // connect containers again, and a sweep after it could take a namespace a restarting container just got.
    await this.networks.sweep().catch(() => undefined);
    for (const r of await this.records.all()) {
      await this.lock(r.id, async () => {
        if (r.state.status === 'removing') {
          await this.removeLocked(r).catch(() => undefined);
          return;
        }
        if (isRunning(r.state) || r.state.status === 'restarting') {
          // Asked only here: created and exited containers need no runtime state, and on a store with
          // a thousand of them reading it for each delayed the first list by as many file reads.
          const known: RuntimeState = await runtime.state(r.id).catch(() => ({ status: 'unknown' }));
          if (known.status === 'running' || known.status === 'paused') {
            r.state = { ...r.state, status: known.status, pid: known.pid ?? r.state.pid };
            await this.networks.readopt(r).catch(() => undefined);
            await this.save(r);
            this.monitor?.watch(r.id);
            return;
          }
          if (r.state.status === 'restarting') {
            // The engine went down between an exit and its restart: carry the restart out now.
            this.scheduleRestart(r.id, 0);
            return;
          }
          // Exited while the engine was down: the runtime kept the real exit code and time.
          await this.recordExit(r, known.exit ?? { exitCode: 255, finishedAt: this.ctx.now() });
          return;
        }
        const policy = restartPolicyOf(r.hostConfig);
        const facts = { exitCode: r.state.exitCode, manuallyStopped: r.manuallyStopped, restartCount: r.restartCount, startedBefore: r.startedBefore };
        if (r.state.status === 'exited' && restartsWithEngine(policy, facts)) {
          await this.startLocked(r, runtime).catch(() => undefined);
        }
      }).catch(() => undefined);
    }
    // Runtime containers without a record: removals cut short by a crash (the record goes first).
    const ids = await runtime.list().catch(() => [] as string[]);
    for (const id of ids) if (!(await this.records.get(id))) await runtime.remove(id).catch(() => undefined);
  }

  // ---- stop, kill, restart ------------------------------------------------------------------

  async stopContainer(name: string, options: { timeout?: number; signal?: string } = {}): Promise<void> {
    const { id } = await this.resolve(name);
    await this.stopById(id, options);
  }

  private async stopById(id: string, options: { timeout?: number; signal?: string }): Promise<void> {
    const runtime = this.runtime;
    const plan = await this.lock(id, async () => {
      const r = await this.current(id);
      transitions.stop(r.state);
      r.manuallyStopped = true;
      if (r.state.status === 'restarting') {
        this.cancelRestart(id);
        r.state = { ...r.state, status: 'exited' };
        await this.save(r);
        this.emit(r, 'stop');
        return undefined;
      }
      await this.save(r);
      const signal = options.signal || r.config.StopSignal || 'SIGTERM';
      const timeout = options.timeout ?? r.config.StopTimeout ?? DEFAULT_STOP_TIMEOUT_S;
      const exited = this.exitOf(id);
      await this.signalLocked(r, signal);
      return { exited, timeout };
    });
    if (!plan || !runtime) return;
    const inTime = plan.timeout < 0 ? await plan.exited.then(() => true) : await within(plan.exited, plan.timeout * 1000);
    if (!inTime) await this.killAndWait(id);
    const r = await this.records.get(id);
    if (r) this.emit(r, 'stop');
  }

  /** Send a signal (to a paused process too: it is thawed so the signal lands) and emit `kill`. */
  private async signalLocked(r: ContainerRecord, signal: string): Promise<void> {
    const runtime = this.runtime;
    if (!runtime) throw unavailable(NO_RUNTIME);
    const number = signalNumber(signal);
    await runtime.kill(r.id, signalName(number));
    this.emit(r, 'kill', { signal: String(number) });
    if (r.state.status === 'paused' && number !== 9) {
      await runtime.resume(r.id);
      r.state = { ...r.state, status: 'running' };
      await this.save(r);
    }
  }

  /** SIGKILL and wait for the exit to be recorded. */
  private async killAndWait(id: string): Promise<void> {
    const exited = this.exitOf(id);
    const sent = await this.lock(id, async () => {
      const r = await this.current(id);
      if (!isRunning(r.state)) return false;
      r.manuallyStopped = true;
      await this.save(r);
      await this.signalLocked(r, 'SIGKILL');
      return true;
    });
    if (sent && !(await within(exited, KILL_GRACE_MS))) throw new StrataError('internal', 'tried to kill container, but did not receive an exit event');
  }

  /** Resolves when the container's current process has exited and the exit is recorded (or it is gone). */
  private async exitOf(id: string): Promise<void> {
    for (;;) {
      const r = await this.records.get(id);
      if (!r || !isRunning(r.state)) return;
      await this.nextChange(id);
    }
  }

  async restartContainer(name: string, options: { timeout?: number; signal?: string } = {}): Promise<void> {
    const { id } = await this.resolve(name);
    const r = await this.current(id);
    if (isRunning(r.state) || r.state.status === 'restarting') await this.stopById(id, options);
    await this.lock(id, async () => {
      const now = await this.current(id);
      if (isRunning(now.state)) return;
      const runtime = await this.requireRuntime();
      now.manuallyStopped = false;
      await this.startLocked(now, runtime);
      this.emit(now, 'restart');
    });
  }

  async killContainer(name: string, signal = 'SIGKILL'): Promise<void> {
    const { id } = await this.resolve(name);
    const number = signalNumber(signal || 'SIGKILL');
    const exited = this.exitOf(id);
    await this.lock(id, async () => {
      const r = await this.current(id);
      transitions.kill(r.state, name, r.id);
      r.manuallyStopped = true;
      await this.save(r);
      await this.signalLocked(r, String(number));
    });
    // dockerd returns from a SIGKILL once the process is gone, so `docker kill; docker ps` agree.
    if (number === 9) await within(exited, KILL_GRACE_MS);
  }

  // ---- pause --------------------------------------------------------------------------------

  async pauseContainer(name: string): Promise<void> {
    const { id } = await this.resolve(name);
    await this.lock(id, async () => {
      const r = await this.current(id);
      transitions.pause(r.state, r.id);
      const runtime = await this.requireRuntime();
      await runtime.pause(id);
      r.state = { ...r.state, status: 'paused' };
      await this.save(r);
      this.emit(r, 'pause');
    });
  }

  async unpauseContainer(name: string): Promise<void> {
    const { id } = await this.resolve(name);
    await this.lock(id, async () => {
      const r = await this.current(id);
      transitions.unpause(r.state, r.id);
      const runtime = await this.requireRuntime();
      await runtime.resume(id);
      r.state = { ...r.state, status: 'running' };
      await this.save(r);
      this.emit(r, 'unpause');
    });
  }

  // ---- remove -------------------------------------------------------------------------------

  async removeContainer(name: string, options: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    const { id } = await this.resolve(name);
    const force = options.force === true;
    // A restart policy may start the process again between the kill and the lock: force kills again.
    for (;;) {
      const first = await this.current(id);
      transitions.remove(first.state, id, force);
      if (force && isRunning(first.state)) await this.killAndWait(id);
      const removed = await this.lock(id, async () => {
        const r = await this.records.get(id);
        if (!r) return true;
        transitions.remove(r.state, id, force);
        if (isRunning(r.state) && force) return false;
        if (isRunning(r.state)) throw conflict(`You cannot remove a running container ${id}. Stop the container before attempting removal or force remove`);
        await this.removeLocked(r, options.volumes === true);
        return true;
      });
      if (removed) return;
    }
  }

  /** Forget a stopped container: runtime state, record, then `destroy`; wakes `removed` waiters. */
  private async removeLocked(r: ContainerRecord, volumes = r.hostConfig.AutoRemove === true, options: { runtimeLater?: boolean } = {}): Promise<void> {
    this.cancelRestart(r.id);
    this.monitor?.unwatch(r.id);
    const before = r.state;
    r.state = { ...r.state, status: 'removing' };
    // Kept on disk only where a restart policy could revive a half-removed container after a crash;
    // otherwise re-adoption or a second rm finishes the job from whatever state is on disk.
    if (restartPolicyOf(r.hostConfig).Name === 'no') await this.records.remember(r);
    else await this.records.put(r);
    try {
      await this.networks.disconnect(r);
      if (this.runtime && !options.runtimeLater) await this.runtime.remove(r.id);
    } catch (e) {
      r.state = before;
      await this.records.put(r);
      throw e;
    }
    // `docker run --rm` waits for `removed`: the record leaves memory now, its file right after the wake-up.
    const file = options.runtimeLater ? (await this.records.forget(r.id)).deleted.catch(() => undefined) : undefined;
    if (!options.runtimeLater) await this.records.delete(r.id);
    if (volumes && r.mounts) await this.volumes.removeAnonymous(r.mounts, r.id).catch(() => undefined);
    this.layersOf.delete(r.id);
    this.emit(r, 'destroy');
    this.notify(r.id);
    this.removedCodes.set(r.id, before.exitCode);
    if (this.runtime && options.runtimeLater) this.removeFromRuntimeLater(r.id, this.runtime);
    await file;
  }

  /** Runtime removals still under way after their record went (close waits for them). */
  private readonly runtimeRemovals = new Set<Promise<void>>();

  /**
   * The runtime's part of a removal (monitor, runc state, unmount, directories, cgroups) after the
   * record is gone and waiters are woken: nothing refers to the ID any more. A crash before it ends
   * leaves a runtime container without a record, which re-adoption removes.
   */
  private removeFromRuntimeLater(id: string, runtime: NonNullable<EnginePorts['runtime']>): void {
    const removal: Promise<void> = runtime
      .remove(id)
      .catch(() => undefined)
      .finally(() => this.runtimeRemovals.delete(removal));
    this.runtimeRemovals.add(removal);
  }

  /** Exit codes of removed containers, for `removed` waiters that wake after the record is gone. */
  private readonly removedCodes = new Map<string, number>();

  // ---- wait ---------------------------------------------------------------------------------

  async waitContainer(name: string, condition: WaitCondition = 'not-running', signal?: AbortSignal): Promise<WaitResult> {
    const first = await this.resolve(name);
    const id = first.id;
    const result = (code: number): WaitResult => ({ StatusCode: code, Error: null });
    if (condition === 'not-running' && !isRunning(first.state) && first.state.status !== 'restarting') return result(first.state.exitCode);
    // next-exit counts from now: remember the state seen at the call.
    let seen = stateKey(first);
    for (;;) {
      if (signal?.aborted) throw new StrataError('unavailable', 'wait aborted');
      const change = this.nextChange(id, signal);
      await change;
      if (signal?.aborted) throw new StrataError('unavailable', 'wait aborted');
      const r = await this.records.get(id);
      if (!r) {
        const code = this.removedCodes.get(id) ?? first.state.exitCode;
        return result(code);
      }
      if (condition === 'removed') continue;
      const key = stateKey(r);
      const ended = !isRunning(r.state) && key !== seen && (r.state.status === 'exited' || r.state.status === 'restarting' || r.state.status === 'created');
      seen = key;
      if (ended) return result(r.state.exitCode);
    }
  }

  // ---- rename -------------------------------------------------------------------------------

  async renameContainer(name: string, newName: string): Promise<void> {
    if (!name || !newName) throw invalid('Neither old nor new names may be empty');
    const { id } = await this.resolve(name);
    const canonical = canonicalContainerName(newName);
    await this.names.run(() =>
      this.lock(id, async () => {
        const r = await this.current(id);
        if (r.name === canonical) throw invalid('Renaming a container with the same name as its current name');
        const holder = await this.records.byName(canonical);
        if (holder) throw nameInUse(canonical, holder.id);
        const oldName = r.name;
        r.name = canonical;
        await this.save(r);
        this.emit(r, 'rename', { oldName });
      }),
    );
  }

  // ---- list and inspect ---------------------------------------------------------------------

  async listContainers(options: { all?: boolean; size?: boolean; limit?: number; filters?: Filters } = {}): Promise<ContainerSummary[]> {
    const picked = await this.listed(options);
    const nowMs = this.ctx.ports.clock.now();
    const out: ContainerSummary[] = [];
    for (const r of picked) out.push(containerSummary(r, nowMs, options.size ? await this.sizes(r) : undefined));
    return out;
  }

  async listContainersJson(options: { all?: boolean; size?: boolean; limit?: number; filters?: Filters } = {}): Promise<Uint8Array> {
    if (options.size) return new TextEncoder().encode(`${JSON.stringify(await this.listContainers(options))}\n`);
    return this.listing.json(await this.listed(options), this.ctx.ports.clock.now());
  }

  /** The records `docker ps` lists for these options, newest first. */
  private async listed(options: { all?: boolean; limit?: number; filters?: Filters }): Promise<readonly ContainerRecord[]> {
    await this.ready;
    const filters = options.filters ?? {};
    const { impliesAll } = checkPsFilters(filters);
    const ctx: Parameters<typeof matchesPsFilters>[2] = {};
    if (filters.before?.[0]) ctx.before = await this.records.resolve(filters.before[0]);
    if (filters.since?.[0]) ctx.since = await this.records.resolve(filters.since[0]);
    if (filters.ancestor?.length) {
      ctx.ancestorImageIds = new Set();
      for (const a of filters.ancestor) {
        const found = await resolveImage(this.ctx.store, a).catch(() => undefined);
        if (found) ctx.ancestorImageIds.add(found.image.id);
      }
    }
    const limit = options.limit && options.limit > 0 ? options.limit : 0;
    const all = options.all === true || impliesAll || limit > 0 || ctx.before !== undefined || ctx.since !== undefined;
    // Kept in order between changes: sorting 1,000 records cost every `docker ps` about a millisecond.
    const ordered = await this.records.newestFirst();
    // `ps -a` as the CLI asks it: the kept order itself, which also tells the listing nothing changed
    if (all && limit === 0 && Object.keys(filters).length === 0) return ordered;
    const rows = ordered.filter((r) => (all || isRunning(r.state) || r.state.status === 'restarting') && matchesPsFilters(r, filters, ctx));
    return limit ? rows.slice(0, limit) : rows;
  }

  /** SizeRw from the runtime, SizeRootFs = SizeRw + the image's size. */
  private async sizes(r: ContainerRecord): Promise<{ rw: number; rootFs: number }> {
    const rw = (await this.runtime?.writableSize?.(r.id).catch(() => 0)) ?? 0;
    const image = await this.ctx.store.image(r.image);
    const layers = new Map((await this.ctx.store.layers()).map((l) => [l.diffId, l]));
    return { rw, rootFs: rw + (image ? imageSize(image, layers) : 0) };
  }

  async inspectContainer(name: string, options: { size?: boolean } = {}): Promise<Record<string, unknown>> {
    const r = await this.resolve(name);
    const paths = await this.runtime?.paths?.(r.id).catch(() => undefined);
    return { ...containerInspect(r, options.size ? await this.sizes(r) : undefined, paths), ExecIDs: this.execIdsOf(r.id) };
  }

  /** Container inspect's `ExecIDs` (the exec side of the engine sets it): unfinished exec instances, null when none. */
  execIdsOf: (containerId: string) => string[] | null = () => null;

  // ---- output -------------------------------------------------------------------------------

  async containerLogs(name: string, options: ContainerLogOptions = {}): Promise<{ tty: boolean; records: AsyncIterable<OutputRecord> }> {
    const r = await this.resolve(name);
    const wantOut = options.stdout !== false;
    const wantErr = options.stderr !== false;
    if (!wantOut && !wantErr) throw invalid('You must choose at least one stream');
    if (r.state.status === 'dead' || r.state.status === 'removing') throw conflict('can not get logs from container which is dead or marked for removal');
    const runtime = this.runtime;
    const source: AsyncIterable<LogRecord> = runtime
      ? runtime.logs(r.id, { follow: options.follow === true && isRunning(r.state), since: options.since, until: options.until, tail: options.tail, signal: options.signal })
      : emptyRecords();
    return { tty: r.config.Tty, records: outputOf(source, wantOut, wantErr) };
  }

  async attachContainer(
    name: string,
    options: { stdout?: boolean; stderr?: boolean; logs?: boolean; signal?: AbortSignal; stdin?: ReadableStream<Uint8Array>; detachKeys?: string } = {},
  ): Promise<{ tty: boolean; records: AsyncIterable<OutputRecord> }> {
    const r = await this.resolve(name);
    if (r.state.status === 'paused') throw conflict(`container ${name} is paused, unpause the container before attach`);
    if (r.state.status === 'restarting') throw conflict(`container ${name} is restarting, wait until the container is running`);
    // As dockerd: the detach keys are looked for only on a tty; other input (binary data) goes through whole.
    const detachKeys = options.stdin ? (r.config.Tty ? parseDetachKeys(options.detachKeys) : new Uint8Array(0)) : undefined;
    this.emit(r, 'attach');
    const attachedAtMs = this.ctx.ports.clock.now();
    const seen = stateKey(r);
    // Ends the output on detach as well as when the client goes away.
    const attachment = new AbortController();
    if (options.signal?.aborted) attachment.abort();
    options.signal?.addEventListener('abort', () => attachment.abort(), { once: true });
    const runtime = this.runtime;
    if (options.stdin && detachKeys && r.config.OpenStdin && runtime?.attachStdin) {
      void pumpStdin({
        stdin: options.stdin,
        detachKeys,
        onInputEnd: r.config.StdinOnce && !r.config.Tty ? 'close-stdin' : 'end-attach',
        connect: async () => ((await this.untilStarted(r.id, attachedAtMs, seen, attachment.signal)) ? runtime.attachStdin!(r.id) : undefined),
        endAttach: () => attachment.abort(),
        signal: attachment.signal,
      });
    } else {
      void options.stdin?.cancel().catch(() => undefined);
    }
    const records = this.attachRecords(r.id, attachedAtMs, seen, { logs: options.logs, signal: attachment.signal });
    return { tty: r.config.Tty, records: finallyAbort(outputOf(records, options.stdout !== false, options.stderr !== false), attachment) };
  }

  /** Waits until the container's process runs (docker run attaches first) or has run since the attach; false if it will not. */
  private async untilStarted(id: string, attachedAtMs: number, seen: string, signal?: AbortSignal): Promise<boolean> {
    for (;;) {
      if (signal?.aborted) return false;
      const r = await this.records.get(id);
      if (!r) return false;
      const ranSinceAttach = r.startedBefore && Date.parse(r.state.startedAt) >= attachedAtMs - 1;
      if (isRunning(r.state) || ranSinceAttach) return true;
      // A start after the attach failed: no output will come.
      if (stateKey(r) !== seen && r.state.error) return false;
      await this.nextChange(id, signal);
    }
  }

  /** Output from the attach on: waits for the process to start (docker run attaches first), then follows it to its exit. */
  private async *attachRecords(id: string, attachedAtMs: number, seen: string, options: { logs?: boolean; signal?: AbortSignal }): AsyncIterable<LogRecord> {
    const runtime = this.runtime;
    if (!runtime) return;
    if (!(await this.untilStarted(id, attachedAtMs, seen, options.signal))) return;
    yield* runtime.logs(id, { follow: true, since: options.logs ? undefined : attachedAtMs / 1000, signal: options.signal });
  }

  /** Set a running container's terminal size (docker's resize after `run -it` and on SIGWINCH). */
  async resizeContainer(name: string, size: TerminalSize): Promise<void> {
    const r = await this.resolve(name);
    if (!isRunning(r.state)) throw conflict(`Container ${r.id} is not running`);
    await (await this.requireRuntime()).resize?.(r.id, size);
  }

  /** The record of a container by name, ID or ID prefix (for the exec use cases). */
  async containerRecord(name: string): Promise<ContainerRecord> {
    return this.resolve(name);
  }

  async topContainer(name: string, psArgs?: string): Promise<{ Titles: string[]; Processes: string[][] }> {
    const r = await this.resolve(name);
    transitions.live(r.state, r.id);
    const runtime = await this.requireRuntime();
    if (!runtime.top) throw unavailable(`the ${runtime.name} runtime cannot list processes`);
    return runtime.top(r.id, psArgs);
  }

  // ---- images in use ------------------------------------------------------------------------

  /** A container using the image, running ones first (image delete refuses while one exists). */
  async imageUser(imageId: string): Promise<{ id: string; running: boolean } | undefined> {
    await this.ready;
    const users = (await this.records.all()).filter((r) => r.image === imageId);
    const running = users.find((r) => isRunning(r.state) || r.state.status === 'restarting');
    if (running) return { id: running.id, running: true };
    return users[0] ? { id: users[0].id, running: false } : undefined;
  }

  /** Stop watching and cancel pending restarts (the containers keep running under their monitor). */
  async close(): Promise<void> {
    this.closed = true;
    await this.ready.catch(() => undefined);
    await this.ctx.ports.network?.close?.().catch(() => undefined);
    this.monitor?.close();
    for (const t of this.restartTimers.values()) clearTimeout(t);
    this.restartTimers.clear();
    await Promise.all([...this.runtimeRemovals]);
    await this.runtime?.close?.().catch(() => undefined);
  }
}

/** moby's wording for image delete refusals caused by containers. */
export function imageInUseConflict(imageId: string, user: { id: string; running: boolean }): StrataError {
  return user.running
    ? conflict(`conflict: unable to delete ${shortId(imageId)} (cannot be forced) - image is being used by running container ${shortContainerId(user.id)}`)
    : conflict(`conflict: unable to delete ${shortId(imageId)} (must be forced) - image is being used by stopped container ${shortContainerId(user.id)}`);
}

/** moby's refusal to untag the last reference of an image a container uses. */
export function referenceInUseConflict(reference: string, imageId: string, containerId: string): StrataError {
  return conflict(
    `conflict: unable to remove repository reference "${reference}" (must force) - container ${shortContainerId(containerId)} is using its referenced image ${shortId(imageId)}`,
  );
}

/** The runtime's seccomp field: absent for Docker's default profile, so specs stay as they were. */
function seccompSpec(hostConfig: Record<string, unknown>): Pick<ContainerRuntimeSpec, 'seccomp'> {
  const choice = seccompOf(hostConfig);
  return choice.mode === 'default' ? {} : { seccomp: choice };
}

function runtimeSpec(r: ContainerRecord, layers: ContainerRuntimeSpec['layers'], sandboxKey?: string): ContainerRuntimeSpec {
  const mode = networkModeOf(r.hostConfig);
  return {
    id: r.id,
    name: r.name.slice(1),
    hostname: r.config.Hostname,
    layers,
    process: {
      args: [r.path, ...r.args],
      env: r.config.Env ?? [],
      cwd: r.config.WorkingDir || '/',
      user: r.config.User,
      tty: r.config.Tty,
      openStdin: r.config.OpenStdin,
      stdinOnce: r.config.StdinOnce,
    },
    init: initOf(r.hostConfig),
    labels: r.config.Labels,
    ...(r.mounts?.length
      ? {
          mounts: r.mounts.map((m) => ({
            type: m.type === 'tmpfs' ? ('tmpfs' as const) : ('bind' as const),
            source: m.hostPath,
            destination: m.destination,
            readOnly: m.readOnly,
            ...(m.type === 'bind' ? { propagation: m.propagation, createHostPath: m.createHostPath } : {}),
            ...(m.type === 'volume' ? { copyImageData: m.copyImageData } : {}),
            ...(m.tmpfsOptions ? { options: m.tmpfsOptions } : {}),
          })),
        }
      : {}),
    network: mode === 'bridge' && !sandboxKey ? { mode: 'none' } : { mode, ...(sandboxKey ? { sandboxKey } : {}) },
    ...(r.hostConfig.AutoRemove === true ? { volatile: true } : {}),
    // `docker run --rm` (and a `docker create --rm`, which looks the same on the wire) starts it next.
    ...(r.hostConfig.AutoRemove === true && !r.startedBefore ? { startsNext: true } : {}),
    ...seccompSpec(r.hostConfig),
  };
}

/** dockerd's exit code for a start that failed: 127 not found, 126 not executable, 128 otherwise. */
function startFailureCode(message: string): number {
  if (/executable file not found|no such file or directory/i.test(message)) return 127;
  if (/permission denied|is a directory/i.test(message)) return 126;
  return 128;
}

/** A key that changes whenever a new process starts or ends. */
const stateKey = (r: ContainerRecord): string => `${r.state.status}|${r.state.startedAt}|${r.state.finishedAt}|${r.restartCount}|${r.state.error}`;

/** True when `p` settles within `ms`. */
async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([p.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function* emptyRecords(): AsyncIterable<LogRecord> {}

/** `source`, aborting `controller` once its consumer stops (the attachment's stdin side ends with it). */
async function* finallyAbort<T>(source: AsyncIterable<T>, controller: AbortController): AsyncIterable<T> {
  try {
    yield* source;
  } finally {
    controller.abort();
  }
}

async function* outputOf(source: AsyncIterable<LogRecord>, stdout: boolean, stderr: boolean): AsyncIterable<OutputRecord> {
  for await (const r of source) {
    if (r.stream === 'stdout' ? !stdout : !stderr) continue;
    yield { stream: r.stream, time: r.time, bytes: r.bytes };
  }
}

const CONTAINER_ENGINE_METHODS = [
  'createContainer', 'startContainer', 'stopContainer', 'restartContainer', 'killContainer', 'pauseContainer', 'unpauseContainer',
  'removeContainer', 'waitContainer', 'renameContainer', 'listContainers', 'listContainersJson', 'inspectContainer', 'containerLogs', 'attachContainer',
  'topContainer', 'resizeContainer',
] as const satisfies ReadonlyArray<keyof ContainerEngine>;

/** Give `target` the ContainerEngine methods of `service` (the engine delegates its container side). */
export function exposeContainerEngine(target: object, service: ContainerService): void {
  for (const m of CONTAINER_ENGINE_METHODS) Object.defineProperty(target, m, { value: service[m].bind(service), enumerable: false });
}
