import { randomBytes } from 'node:crypto';
import { constants, existsSync, readdirSync } from 'node:fs';
import { access, lstat, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  StrataError,
  conflict,
  invalid,
  isHex64,
  notFound,
  type Codecs,
  type ContainerRuntimeSpec,
  type ContentStore,
  type Digest,
  type ExitInfo,
  type Hasher,
  type LogOptions,
  type LogRecord,
  type Runtime,
  type RuntimeState,
} from '@strata/core';
import { writeNetworkFiles } from './bundle/network-files.js';
import { prepareMountSources } from './mounts/container-mounts.js';
import { connectAttachSocket } from './attach/attach-socket.js';
import { resizeTerminal } from './attach/terminal-control.js';
import { hostnameFile } from './bundle/etc-files.js';
import { readHostLimits, type HostLimits } from './bundle/host-limits.js';
import { ociConfig } from './bundle/oci-config.js';
import { cgroupPids, removeCgroupDirs } from './container/cgroup-dirs.js';
import { cgroupStats } from './container/cgroup-stats.js';
import { containerFilesOf } from './container/container-files.js';
import { containerLayout, type ContainerLayout } from './container/container-layout.js';
import { topOf } from './container/container-top.js';
import { discardDirectory } from './container/discarded-dir.js';
import { resolveContainerUser } from './container/container-user.js';
import { isMounted, mountOverlay, unmount } from './container/overlay-mount.js';
import { resolveInRoot } from './container/rootfs-path.js';
import { readK8sLog } from './log/k8s-file-log.js';
import { CgroupMigrationWarmer } from './container/cgroup-migrations.js';
import { execInContainer } from './exec/container-exec.js';
import { launchConmon, spawnConmon, type ConmonLaunch, type ConmonSync, type WaitingConmon } from './monitor/conmon.js';
import { EarlyLaunches, canLaunchEarly } from './monitor/early-launch.js';
import { nanosToRfc3339, readExitFile, waitForExitFile } from './monitor/exit-file.js';
import { ociCreateError } from './monitor/oci-error.js';
import { refuseLeftoverGate } from './monitor/config-gate.js';
import { WarmLaunches, type WarmLaunch } from './monitor/warm-launch.js';
import { releaseExecFifo } from './monitor/exec-fifo.js';
import { RuncCli } from './monitor/runc-cli.js';
import { deleteStoppedState, hasRuncState, isRuncInitAlive } from './monitor/runc-state-dir.js';
import { signalNumber } from './monitor/signals.js';
import { SnapshotStore } from './snapshot/snapshot-store.js';

export interface RuncRuntimeOptions {
  /** The engine's data root: snapshots, containers and exits live under it. */
  dataRoot: string;
  content: ContentStore;
  codecs: Codecs;
  hasher: Hasher;
  /** runc binary (default `/usr/sbin/runc`). */
  runc?: string;
  /** conmon binary (default `/usr/bin/conmon`). */
  conmon?: string;
  /** runc's state dir (`--root`, default `/run/strata/runc`): tmpfs, so a reboot forgets stale state. */
  runcRoot?: string;
  /** Parent cgroup of every container (cgroupfs: `/<parent>/<id>`, default `strata`). */
  cgroupParent?: string;
  /** Static init binary for `--init` (default: the first of docker-init, tini-static found). */
  init?: string;
  log?: (message: string) => void;
  /** Where removed containers' dirs go to be deleted in the background (default `<dataRoot>/tmp`, which the storage empties on open). */
  trashDir?: string;
}

/** The runc + conmon Runtime, plus the snapshot housekeeping the engine drives. */
export interface RuncRuntime extends Runtime {
  readonly snapshots: SnapshotStore;
  /** Delete layer snapshots no image needs any more (those of existing containers are always kept). */
  removeUnusedSnapshots(keepChainIds: Iterable<Digest | string>): Promise<string[]>;
  /** The cgroup path runc gives a container (`/<parent>/<id>`). */
  cgroupPath(id: string): string;
}

const INIT_CANDIDATES = ['/usr/bin/docker-init', '/usr/sbin/docker-init', '/usr/libexec/docker/docker-init', '/usr/bin/tini-static'];

/** Go-style RFC 3339 of "now" (millisecond precision: the clock Node offers). */
const nowRfc3339 = (): string => nanosToRfc3339(BigInt(Date.now()) * 1_000_000n);

async function writeAtomically(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}

async function pathExists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** Whether `pid` is a live conmon of container `id` (a recycled PID is not). */
async function isMonitorAlive(pid: number, id: string): Promise<boolean> {
  try {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('conmon') && cmdline.includes(id);
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Containers for real (runtime-recipes): layer snapshots under an overlayfs mount, an OCI bundle as
 * dockerd writes it, and Debian's runc run by Debian's conmon. conmon is the monitor because it is
 * the one Podman ships and relies on: it daemonizes away from the engine, owns the container's
 * stdio, writes the k8s-file log and the exit code to a file, so a container outlives the engine
 * and a restarted engine finds everything on disk (nothing to re-attach to).
 */
export function createRuncRuntime(options: RuncRuntimeOptions): RuncRuntime {
  const dataRoot = options.dataRoot;
  const runc = new RuncCli(options.runc ?? '/usr/sbin/runc', options.runcRoot ?? '/run/strata/runc');
  const conmon = options.conmon ?? '/usr/bin/conmon';
  const cgroupParent = options.cgroupParent ?? 'strata';
  const exitDir = join(dataRoot, 'exits');
  const containersDir = join(dataRoot, 'containers');
  // The storage's staging dir: same filesystem, emptied whenever the data root is opened.
  const trashDir = options.trashDir ?? join(dataRoot, 'tmp');
  const snapshots = new SnapshotStore({ dir: join(dataRoot, 'snapshots'), content: options.content, codecs: options.codecs, hasher: options.hasher });
  const log = options.log ?? (() => undefined);
  let hostLimits: Promise<HostLimits> | undefined;
  const initBinary = options.init ?? INIT_CANDIDATES.find((p) => existsSync(p));
  const migrations = new CgroupMigrationWarmer();
  /** Keep cgroup migrations warm while `work` runs (runc moving a new process into the container's cgroups). */
  const warmWhile = async <T>(work: () => Promise<T>): Promise<T> => {
    const release = migrations.hold();
    try {
      return await work();
    } finally {
      release();
    }
  };

  // This runtime owns the data root: a container's spec and whether its root is mounted are kept in
  // memory once known, so a start, a wait or an inspect reads neither spec.json nor mountinfo again.
  const specs = new Map<string, ContainerRuntimeSpec>();
  const mountedRoots = new Set<string>();
  const unmountRoot = async (merged: string) => {
    mountedRoots.delete(merged);
    await unmount(merged);
  };
  const earlyLaunches = new EarlyLaunches();

  const layoutOf = (id: string): ContainerLayout => {
    if (!isHex64(id)) throw invalid(`invalid container ID ${JSON.stringify(id)}`);
    return containerLayout(dataRoot, id);
  };
  const cgroupPath = (id: string) => `/${cgroupParent}/${id}`;

  async function readSpec(id: string): Promise<{ layout: ContainerLayout; spec: ContainerRuntimeSpec }> {
    const layout = layoutOf(id);
    const known = specs.get(id);
    if (known) return { layout, spec: known };
    try {
      const spec = JSON.parse(await readFile(layout.spec, 'utf8')) as ContainerRuntimeSpec;
      specs.set(id, spec);
      return { layout, spec };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw notFound(`No such container: ${id}`);
      throw e;
    }
  }

  async function ensureRoot(layout: ContainerLayout, spec: ContainerRuntimeSpec): Promise<void> {
    if (mountedRoots.has(layout.merged) || (await isMounted(layout.merged))) return;
    const lowers = await snapshots.ensure(spec.layers);
    if (lowers.length === 0) {
      // overlayfs needs one lower dir; an image without layers gets an empty one.
      await mkdir(join(snapshots.dir, 'empty'), { recursive: true });
      lowers.push('empty');
    }
    // A --rm container's layer is removed after a crash anyway: its mount never syncs (nor does its unmount).
    await mountOverlay({ snapshotsDir: snapshots.dir, lowers, upper: layout.upper, work: layout.work, merged: layout.merged, volatile: spec.volatile === true });
    mountedRoots.add(layout.merged);
  }

  /** The overlay of a container whose dirs prepare has just made (so not mounted yet): mount it. */
  async function mountFreshRoot(layout: ContainerLayout, spec: ContainerRuntimeSpec, lowers: string[]): Promise<void> {
    if (lowers.length === 0) {
      // overlayfs needs one lower dir; an image without layers gets an empty one.
      await mkdir(join(snapshots.dir, 'empty'), { recursive: true });
      lowers = ['empty'];
    }
    await mountOverlay({ snapshotsDir: snapshots.dir, lowers, upper: layout.upper, work: layout.work, merged: layout.merged, volatile: spec.volatile === true, fresh: true });
    mountedRoots.add(layout.merged);
  }

  /**
   * config.json for the next run; `strict` = start (user and cwd errors are the user's, the file is
   * written), else best effort at create: the working directory is made, nothing is written (start
   * resolves the user again, as a `docker cp` may have changed /etc/passwd meanwhile).
   */
  async function writeBundle(layout: ContainerLayout, spec: ContainerRuntimeSpec, strict: boolean): Promise<void> {
    const text = await configText(layout, spec, strict);
    if (text !== undefined) await writeAtomically(layout.config, text);
  }

  /** config.json's text for the next run ({@link writeBundle}); undefined when not `strict` and nothing is to be written. */
  async function configText(layout: ContainerLayout, spec: ContainerRuntimeSpec, strict: boolean): Promise<string | undefined> {
    let user;
    try {
      if (spec.init && !initBinary) throw invalid('--init: no init binary found (apt-get install tini)');
      user = await resolveContainerUser(layout.merged, spec.process.user);
      const cwd = spec.process.cwd || '/';
      const hostCwd = await resolveInRoot(layout.merged, cwd);
      const st = await stat(hostCwd).catch(() => undefined);
      if (st && !st.isDirectory()) throw invalid(`Cannot mkdir: ${cwd} is not a directory`);
      // Docker creates a missing working directory (0755, root) when the container is created.
      if (!st) await mkdir(hostCwd, { recursive: true, mode: 0o755 });
    } catch (e) {
      if (strict) throw e;
      return undefined;
    }
    if (!strict) return undefined;
    hostLimits ??= readHostLimits();
    const config = ociConfig({
      spec,
      rootfs: layout.merged,
      user,
      limits: await hostLimits,
      etc: { hostname: layout.hostname, hosts: layout.hosts, resolvConf: layout.resolvConf },
      cgroupsPath: cgroupPath(spec.id),
      initBinary,
    });
    return `${JSON.stringify(config)}\n`;
  }

  /** `runc state`, without spawning runc when it keeps no state for the container (the common case). */
  async function runcState(id: string) {
    return (await hasRuncState(runc.root, id)) ? runc.state(id) : undefined;
  }

  async function monitorPid(layout: ContainerLayout): Promise<number | undefined> {
    const text = await readFile(layout.conmonPidFile, 'utf8').catch(() => '');
    return /^[0-9]+$/.test(text.trim()) ? Number(text.trim()) : undefined;
  }

  /** Wait for the previous conmon to finish (it still writes the exit file), then make sure it is gone. */
  async function retireMonitor(layout: ContainerLayout, id: string): Promise<void> {
    const pid = await monitorPid(layout);
    if (pid === undefined) return;
    for (let i = 0; i < 40 && (await isMonitorAlive(pid, id)); i++) await sleep(50);
    if (await isMonitorAlive(pid, id)) {
      log(`conmon ${pid} of ${id} did not exit; killing it`);
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }

  async function startedAt(layout: ContainerLayout): Promise<string | undefined> {
    return (await readFile(layout.startedAt, 'utf8').catch(() => '')).trim() || undefined;
  }

  /** How conmon runs the container's next process. */
  function monitorLaunch(id: string, layout: ContainerLayout, spec: ContainerRuntimeSpec): ConmonLaunch {
    return { conmon, runc, id, name: spec.name || id, layout, exitDir, tty: spec.process.tty, openStdin: spec.process.openStdin, stdinOnce: spec.process.stdinOnce };
  }

  // Container dirs without a spec, found before this runtime prepared anything: warm launches (or
  // prepares) of an engine that died. A runc may still wait at their config FIFO; they go.
  for (const name of (() => {
    try {
      return readdirSync(containersDir);
    } catch {
      return [] as string[];
    }
  })()) {
    const layout = containerLayout(dataRoot, name);
    if (!isHex64(name) || existsSync(layout.spec)) continue;
    refuseLeftoverGate(layout.config);
    void unmountRoot(layout.merged)
      .catch(() => undefined)
      .then(() => Promise.all([rm(layout.dir, { recursive: true, force: true }), rm(layout.exitFile, { force: true })]))
      .catch((e: Error) => log(`removing the leftover ${layout.dir}: ${e.message}`));
  }

  const warmLaunches = new WarmLaunches({
    newId: () => randomBytes(32).toString('hex'),
    layoutOf,
    exitDir,
    conmonLaunch: (id, layout) => ({ conmon, runc, id, name: id, layout, exitDir, tty: false, openStdin: false, stdinOnce: false, timeoutMs: 0 }),
    spawn: spawnConmon,
    log,
  });

  /**
   * prepare() for a container that took a warm launch: its conmon and runc wait at config.json, so
   * the root is mounted and the config written straight into the FIFO; the launch then goes on as
   * an early one (the start releases its exec fifo).
   */
  async function prepareWarm(spec: ContainerRuntimeSpec, warm: WarmLaunch): Promise<void> {
    const layout = warm.layout;
    // Held from here: the first write may wait out a grace period while the root is mounted.
    const releaseWarm = migrations.hold();
    try {
      const lowers = await snapshots.ensure(spec.layers);
      await Promise.all([writeFile(layout.hostname, hostnameFile(spec.hostname)), writeNetworkFiles(layout, spec), mountFreshRoot(layout, spec, lowers)]);
      await prepareMountSources(layout.merged, spec.mounts ?? []);
      // The spec file is what makes the container exist (list, state): written before runc gets its config.
      const [text] = await Promise.all([configText(layout, spec, true).catch(() => undefined), writeAtomically(layout.spec, JSON.stringify(spec))]);
      specs.set(spec.id, spec);
      // A config that cannot be made (the user's error) is refused: runc fails, and the start makes it again and reports why.
      if (text === undefined) warm.gate.refuse();
      else await Promise.all([warm.gate.write(text), writeFile(`${layout.config}.pending`, text)]);
      earlyLaunches.begin(spec.id, () =>
        warm.launch.finally(async () => {
          warm.gate.close();
          releaseWarm();
          // Every later reader (exec, a restart) finds a plain file.
          if (text !== undefined) await rename(`${layout.config}.pending`, layout.config).catch(() => undefined);
        }),
      );
    } catch (e) {
      releaseWarm();
      specs.delete(spec.id);
      await unmountRoot(layout.merged).catch(() => undefined);
      await warmLaunches.discard(warm);
      throw e;
    }
  }

  /** conmon, and through it `runc create`, for the container's next process. */
  function launchMonitor(id: string, layout: ContainerLayout, spec: ContainerRuntimeSpec): Promise<ConmonSync> {
    return warmWhile(() => launchConmon(monitorLaunch(id, layout, spec)));
  }

  /** Undo what a launch left (runc's container, conmon, its files), so that the next start begins clean. */
  async function cleanUpLaunch(id: string, layout: ContainerLayout): Promise<void> {
    if (await hasRuncState(runc.root, id)) await runc.run(['delete', '--force', id]);
    await retireMonitor(layout, id);
    await Promise.all([layout.exitFile, join(layout.persist, 'exit'), layout.pidFile, layout.ociLog].map((path) => rm(path, { force: true })));
  }

  /** Undo a launch begun at prepare that no start will use. */
  async function undoEarlyLaunch(id: string, layout: ContainerLayout): Promise<void> {
    if (await earlyLaunches.take(id)) await cleanUpLaunch(id, layout);
  }

  /** `runc start` for a container conmon reported created (through its exec fifo), then its start time. */
  async function releaseLaunched(id: string, layout: ContainerLayout, pid: number): Promise<{ pid: number; startedAt: string }> {
    const released = await releaseExecFifo(runc.root, id, pid);
    const started = released === 'no-fifo' ? await runc.run(['start', id]) : undefined;
    if (released === 'init-gone' || (started && started.code !== 0)) {
      await runc.run(['delete', '--force', id]);
      throw ociCreateError(started ? RuncCli.message(started) : 'container process is already dead');
    }
    const at = nowRfc3339();
    await writeFile(layout.startedAt, at);
    return { pid, startedAt: at };
  }

  async function state(id: string): Promise<RuntimeState> {
    const { layout } = await readSpec(id);
    // Launched at prepare and not yet started: runc has it as `created`, which needs no `runc state` to tell.
    if (earlyLaunches.has(id)) return { status: 'prepared' };
    const known = await runcState(id);
    const started = await startedAt(layout);
    if (known && (known.status === 'running' || known.status === 'paused')) {
      return { status: known.status, pid: known.pid, ...(started ? { startedAt: started } : {}) };
    }
    const exit = await readExitFile(layout.exitFile);
    if (exit) return { status: 'exited', exit, ...(started ? { startedAt: started } : {}) };
    if (!started) return { status: 'prepared' };
    const pid = await monitorPid(layout);
    // conmon is about to write the exit file, or it died without one (recipe §3.4c).
    if (pid !== undefined && (await isMonitorAlive(pid, id))) return { status: 'running', startedAt: started, ...(known ? { pid: known.pid } : {}) };
    return { status: 'unknown', startedAt: started };
  }

  async function stillRunning(id: string, layout: ContainerLayout): Promise<boolean> {
    if (!(await startedAt(layout))) return true;
    const pid = await monitorPid(layout);
    if (pid !== undefined && (await isMonitorAlive(pid, id))) return true;
    const s = await runcState(id);
    return s !== undefined && s.status !== 'stopped';
  }

  async function waitExit(id: string, signal?: AbortSignal): Promise<ExitInfo> {
    const { layout } = await readSpec(id);
    await mkdir(exitDir, { recursive: true });
    return waitForExitFile(layout.exitFile, () => stillRunning(id, layout), signal);
  }

  async function requireRunning(id: string): Promise<RuntimeState> {
    const s = await state(id);
    if (s.status !== 'running' && s.status !== 'paused') throw conflict(`Container ${id} is not running`);
    return s;
  }

  async function checkAvailable(): Promise<{ ok: true } | { ok: false; reason: string }> {
    if (process.platform !== 'linux') return { ok: false, reason: 'containers run on Linux only' };
    if (process.getuid?.() !== 0) return { ok: false, reason: 'running containers needs root (rootless is not supported yet)' };
    for (const [binary, pkg] of [[runc.binary, 'runc'], [conmon, 'conmon']] as const) {
      try {
        await access(binary, constants.X_OK);
      } catch {
        return { ok: false, reason: `${binary} is missing: apt-get install ${pkg}` };
      }
    }
    const filesystems = await readFile('/proc/filesystems', 'utf8').catch(() => '');
    if (!/\toverlay$/m.test(filesystems)) return { ok: false, reason: 'the kernel has no overlay filesystem (modprobe overlay)' };
    return { ok: true };
  }

  // Asked before every create and start: checked once, and again only while the answer is no.
  let availability: Promise<{ ok: true } | { ok: false; reason: string }> | undefined;

  const runtime: RuncRuntime = {
    name: 'runc',
    snapshots,
    cgroupPath,
    draftSnapshot: () => snapshots.draft(),

    available() {
      availability ??= checkAvailable().then((r) => {
        if (!r.ok) availability = undefined;
        return r;
      });
      return availability;
    },

    takeWarmId: () => warmLaunches.take(),
    close: () => warmLaunches.close(),

    async prepare(spec) {
      const warm = warmLaunches.claim(spec.id);
      if (warm) {
        if (canLaunchEarly(spec) && !spec.process.tty && !spec.process.openStdin) return prepareWarm(spec, warm);
        // Not a container the launch fits (a terminal, stdin, a network made at start): prepared the usual way.
        await warmLaunches.discard(warm);
      }
      const layout = layoutOf(spec.id);
      // A container dir that is not there holds no spec either: one lstat in the common case.
      if (await pathExists(layout.dir)) {
        if (await pathExists(layout.spec)) throw conflict(`container ${spec.id} already exists`);
        // A prepare that crashed before writing its spec (or a warm launch of an engine that died): nothing refers to it.
        refuseLeftoverGate(layout.config);
        await unmountRoot(layout.merged);
        await rm(layout.dir, { recursive: true, force: true });
      }
      const early = canLaunchEarly(spec);
      let monitor: WaitingConmon | undefined;
      let releaseWarm: (() => void) | undefined;
      try {
        const dirs = [layout.upper, layout.work, layout.merged, layout.persist].map((dir) => mkdir(dir, { recursive: true, mode: 0o700 }));
        // An early launch's conmon writes its exit file there; the start makes it otherwise.
        const [lowers] = await Promise.all([snapshots.ensure(spec.layers), ...dirs, early ? mkdir(exitDir, { recursive: true }) : undefined]);
        // conmon reads its start pipe before it touches the bundle: its exec overlaps the rest of prepare.
        // Warm from here: the first write may wait out a grace period while conmon and runc start.
        if (early) {
          releaseWarm = migrations.hold();
          monitor = spawnConmon(monitorLaunch(spec.id, layout, spec));
        }
        // The dirs were made just now: the root is known not to be mounted and needs no mountinfo read.
        await Promise.all([writeFile(layout.hostname, hostnameFile(spec.hostname)), writeNetworkFiles(layout, spec), mountFreshRoot(layout, spec, lowers)]);
        await prepareMountSources(layout.merged, spec.mounts ?? []);
        // The spec file is what makes the container exist (list, state): written before any launch goes on.
        const bundle = early ? writeBundle(layout, spec, true).then(() => true, () => false) : writeBundle(layout, spec, false).then(() => false);
        const [bundled] = await Promise.all([bundle, writeAtomically(layout.spec, JSON.stringify(spec))]);
        specs.set(spec.id, spec);
        // runc create is the longest step of a `docker run`: released here, before the engine writes its record and answers.
        const waiting = monitor;
        const warm = releaseWarm;
        if (waiting && bundled) earlyLaunches.begin(spec.id, () => waiting.release().finally(() => warm?.()));
        // A bundle the early launch could not write yet: the start writes it again and reports why.
        else {
          waiting?.cancel();
          warm?.();
        }
      } catch (e) {
        releaseWarm?.();
        monitor?.cancel();
        await unmountRoot(layout.merged).catch(() => undefined);
        await rm(layout.dir, { recursive: true, force: true });
        throw e;
      }
    },

    async start(id, startOptions) {
      const { layout, spec } = await readSpec(id);
      const early = (await earlyLaunches.take(id))?.sync;
      if (early?.ok) return releaseLaunched(id, layout, early.pid);
      // A launch that failed at prepare is made again: its error is then reported as a start's.
      if (early) await cleanUpLaunch(id, layout);
      const previous = await runcState(id);
      if (previous && (previous.status === 'running' || previous.status === 'paused')) throw conflict(`Container ${id} is already running`);
      if (previous) await runc.run(['delete', '--force', id]);
      await retireMonitor(layout, id);
      await ensureRoot(layout, spec);
      await writeBundle(layout, spec, true);
      // create wrote them; only a bridge address or the host's current files change them.
      if (startOptions?.ipAddress || spec.network?.mode === 'host') await writeNetworkFiles(layout, spec, startOptions?.ipAddress);
      await mkdir(exitDir, { recursive: true });
      await mkdir(layout.persist, { recursive: true });
      const stale = [layout.exitFile, join(layout.persist, 'exit'), layout.startedAt, layout.pidFile, layout.ociLog, join(layout.bundle, 'ctl'), join(layout.bundle, 'winsz'), join(layout.bundle, 'attach')];
      await Promise.all(stale.map((path) => rm(path, { force: true })));
      const sync = await launchMonitor(id, layout, spec);
      if (!sync.ok) {
        await runc.run(['delete', '--force', id]);
        await retireMonitor(layout, id);
        throw ociCreateError(sync.message);
      }
      return releaseLaunched(id, layout, sync.pid);
    },

    async kill(id, signal) {
      const number = signalNumber(signal);
      const s = await requireRunning(id);
      const r = await runc.run(['kill', id, String(number)]);
      if (r.code !== 0) {
        if ((await state(id)).status === 'exited') throw conflict(`Container ${id} is not running`);
        throw new StrataError('internal', `Cannot kill container: ${id}: ${RuncCli.message(r)}`);
      }
      // A frozen process cannot act on its signal; Docker thaws it so a kill takes effect.
      if (s.status === 'paused') await runc.run(['resume', id]);
    },

    async pause(id) {
      const s = await requireRunning(id);
      if (s.status === 'paused') throw conflict(`Container ${id} is already paused`);
      const r = await runc.run(['pause', id]);
      if (r.code !== 0) throw new StrataError('internal', `Cannot pause container ${id}: ${RuncCli.message(r)}`);
    },

    async resume(id) {
      const s = await requireRunning(id);
      if (s.status !== 'paused') throw conflict(`Container ${id} is not paused`);
      const r = await runc.run(['resume', id]);
      if (r.code !== 0) throw new StrataError('internal', `Cannot unpause container ${id}: ${RuncCli.message(r)}`);
    },

    state,
    waitExit,

    async *logs(id: string, logOptions: LogOptions = {}): AsyncGenerator<LogRecord> {
      const { layout } = await readSpec(id);
      const stop = new AbortController();
      const onAbort = () => stop.abort();
      logOptions.signal?.addEventListener('abort', onAbort, { once: true });
      try {
        const exited = logOptions.follow ? waitExit(id, stop.signal).catch(() => undefined) : Promise.resolve();
        yield* readK8sLog(layout.log, logOptions, { exited });
      } finally {
        logOptions.signal?.removeEventListener('abort', onAbort);
        stop.abort();
      }
    },

    async top(id, psArgs) {
      await requireRunning(id);
      return topOf(await cgroupPids(cgroupPath(id)), psArgs);
    },

    async stats(id) {
      const s = await requireRunning(id);
      return cgroupStats(cgroupPath(id), s.pid);
    },

    async writableSize(id) {
      const { layout } = await readSpec(id);
      const seen = new Set<bigint>();
      let total = 0;
      const walk = async (dir: string): Promise<void> => {
        for (const entry of await readdir(dir, { withFileTypes: true })) {
          const path = join(dir, entry.name);
          if (entry.isDirectory()) {
            await walk(path);
            continue;
          }
          const st = await lstat(path, { bigint: true });
          if (seen.has(st.ino)) continue;
          seen.add(st.ino);
          total += Number(st.size);
        }
      };
      await walk(layout.upper);
      return total;
    },

    async paths(id) {
      const { layout, spec } = await readSpec(id);
      const lowers = [...snapshots.names(spec.layers)].reverse().map((name) => join(snapshots.dir, name));
      return {
        resolvConf: layout.resolvConf,
        hostname: layout.hostname,
        hosts: layout.hosts,
        log: layout.log,
        lowerDir: (lowers.length ? lowers : [join(snapshots.dir, 'empty')]).join(':'),
        mergedDir: layout.merged,
        upperDir: layout.upper,
        workDir: layout.work,
      };
    },

    async release(id) {
      const layout = layoutOf(id);
      await undoEarlyLaunch(id, layout);
      // deleteStoppedState refuses while runc's init process lives: a live container keeps its root.
      if ((await hasRuncState(runc.root, id)) && !(await deleteStoppedState(runc.root, id))) return;
      await unmountRoot(layout.merged);
    },

    async remove(id) {
      const layout = layoutOf(id);
      await undoEarlyLaunch(id, layout);
      // An engine that died with a launch waiting may have left a runc at config.json.
      refuseLeftoverGate(layout.config);
      specs.delete(id);
      if ((await hasRuncState(runc.root, id)) && !(await deleteStoppedState(runc.root, id))) {
        const r = await runc.run(['delete', '--force', id]);
        if (r.code !== 0 && (await runcState(id))) throw new StrataError('internal', `removing container ${id}: ${RuncCli.message(r)}`);
      }
      await Promise.all([retireMonitor(layout, id), unmountRoot(layout.merged)]);
      await Promise.all([discardDirectory(layout.dir, trashDir, log), rm(layout.exitFile, { force: true }), removeCgroupDirs(cgroupPath(id))]);
    },

    async files(id) {
      const { layout, spec } = await readSpec(id);
      // A copy into the root may change what the start resolves (the user in /etc/passwd): launch again then.
      await undoEarlyLaunch(id, layout);
      await ensureRoot(layout, spec);
      const lowers = snapshots.names(spec.layers).map((name) => join(snapshots.dir, name)).reverse();
      return containerFilesOf({ upper: layout.upper, lowers: lowers.length ? lowers : [join(snapshots.dir, 'empty')], merged: layout.merged, mounts: spec.mounts });
    },

    async list() {
      const names = await readdir(containersDir).catch(() => [] as string[]);
      const ids: string[] = [];
      for (const name of names) {
        if (isHex64(name) && (await pathExists(containerLayout(dataRoot, name).spec))) ids.push(name);
      }
      return ids;
    },

    async attachStdin(id) {
      const { layout } = await readSpec(id);
      await requireRunning(id);
      return connectAttachSocket(layout.bundle, { output: false });
    },

    async resize(id, size) {
      const { layout } = await readSpec(id);
      await resizeTerminal(layout.bundle, size);
    },

    async exec(id, execSpec) {
      const { layout, spec } = await readSpec(id);
      // The full check (runc state) only when the quick one finds no live init process: it has the error.
      if (!isRuncInitAlive(runc.root, id)) await requireRunning(id);
      hostLimits ??= readHostLimits();
      const hostCapabilities = (await hostLimits).boundingCapabilities;
      return warmWhile(() => execInContainer({ conmon, runc, layout, containerId: id, name: spec.name || id, spec: execSpec, hostCapabilities }));
    },

    async removeUnusedSnapshots(keepChainIds) {
      const keep = new Set<string>([...keepChainIds].map(String));
      for (const id of await runtime.list()) {
        const { spec } = await readSpec(id);
        for (const name of snapshots.names(spec.layers)) keep.add(name);
      }
      return snapshots.removeUnused(keep);
    },
  };
  return runtime;
}
