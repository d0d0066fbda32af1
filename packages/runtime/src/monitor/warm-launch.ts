import { mkdir, rm } from 'node:fs/promises';
import type { ContainerLayout } from '../container/container-layout.js';
import { ConfigGate } from './config-gate.js';
import type { ConmonLaunch, ConmonSync, WaitingConmon } from './conmon.js';

/** A conmon and its `runc create`, started for a container ID chosen ahead, waiting at its config. */
export interface WarmLaunch {
  id: string;
  layout: ContainerLayout;
  gate: ConfigGate;
  /** conmon's report: once runc has read a config and created the container, or failed. */
  launch: Promise<ConmonSync>;
}

/** What making one needs from the runtime. */
export interface WarmLaunchDeps {
  newId(): string;
  layoutOf(id: string): ContainerLayout;
  exitDir: string;
  /** conmon's launch for a container without terminal or stdin, its report never timed out. */
  conmonLaunch(id: string, layout: ContainerLayout): ConmonLaunch;
  spawn(l: ConmonLaunch): WaitingConmon;
  log(message: string): void;
  /** How long after a launch was used the next one is made (it should not compete with the one just started). */
  refillDelayMs?: number;
  /** How long a handed-out ID waits for its prepare before the launch is given up. */
  claimTimeoutMs?: number;
}

/**
 * One launch kept ready for the next `docker run --rm`: conmon started and released, its
 * `runc create` started up and waiting at a config.json FIFO (see ConfigGate). A container that
 * takes it skips conmon's and runc's start-up (10-15 ms of CPU on the path of every run here): its
 * runc goes on the moment the config is written. The ID is chosen when the launch is made (IDs are
 * random either way); nothing of it is visible as a container until the spec is written. It costs
 * a waiting conmon and runc (about 10 MB resident here: runc 8.4, conmon 2.0) and is made only once a container used the
 * early-launch path, so an engine that never runs containers never starts one.
 */
export class WarmLaunches {
  private ready: WarmLaunch | undefined;
  private making: Promise<void> | undefined;
  private readonly handedOut = new Map<string, { warm: WarmLaunch; timer: NodeJS.Timeout }>();
  private refillTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly deps: WarmLaunchDeps) {}

  /** The ID of a launch ready to go, now the caller's to prepare; undefined when none is (one is then made for next time). */
  take(): string | undefined {
    const warm = this.ready;
    this.ready = undefined;
    if (!warm) {
      this.refill(0);
      return undefined;
    }
    const timer = setTimeout(() => {
      if (this.handedOut.get(warm.id)?.warm !== warm) return;
      this.handedOut.delete(warm.id);
      this.discard(warm);
    }, this.deps.claimTimeoutMs ?? 10_000);
    timer.unref();
    this.handedOut.set(warm.id, { warm, timer });
    return warm.id;
  }

  /** The launch handed out for `id`, once; the next one is made after it reported. */
  claim(id: string): WarmLaunch | undefined {
    const held = this.handedOut.get(id);
    if (!held) return undefined;
    clearTimeout(held.timer);
    this.handedOut.delete(id);
    void held.warm.launch.catch(() => undefined).finally(() => this.refill(this.deps.refillDelayMs ?? 50));
    return held.warm;
  }

  /**
   * Give up a launch: runc is refused, the FIFO closed once conmon reported (or after 5 s at most:
   * a runc that has the FIFO open then reads its end and fails), its files removed.
   */
  async discard(warm: WarmLaunch): Promise<void> {
    warm.gate.refuse();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([warm.launch.catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, 5_000)))]);
    clearTimeout(timer);
    warm.gate.close();
    await Promise.all([rm(warm.layout.dir, { recursive: true, force: true }), rm(warm.layout.exitFile, { force: true })]).catch(() => undefined);
  }

  /** Stop making launches and give up the ready one (the engine is closing). */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.refillTimer);
    await this.making;
    const warm = this.ready;
    this.ready = undefined;
    const held = [...this.handedOut.values()];
    this.handedOut.clear();
    for (const h of held) clearTimeout(h.timer);
    await Promise.all([...(warm ? [warm] : []), ...held.map((h) => h.warm)].map((w) => this.discard(w)));
  }

  private refill(delayMs: number): void {
    if (this.closed || this.ready || this.making || this.refillTimer) return;
    this.refillTimer = setTimeout(() => {
      this.refillTimer = undefined;
      if (this.closed || this.ready || this.making) return;
      this.making = this.make().finally(() => (this.making = undefined));
    }, delayMs);
    this.refillTimer.unref();
  }

  private async make(): Promise<void> {
    const id = this.deps.newId();
    const layout = this.deps.layoutOf(id);
    try {
      await Promise.all([layout.upper, layout.work, layout.merged, layout.persist].map((dir) => mkdir(dir, { recursive: true, mode: 0o700 })));
      await mkdir(this.deps.exitDir, { recursive: true });
    } catch (e) {
      this.deps.log(`warm launch ${id}: ${(e as Error).message}`);
      await rm(layout.dir, { recursive: true, force: true }).catch(() => undefined);
      return;
    }
    const gate = ConfigGate.create(layout.config);
    if (!gate) {
      // No FIFOs here (no koffi): nothing to keep ready, and no point trying again.
      this.closed = true;
      await rm(layout.dir, { recursive: true, force: true }).catch(() => undefined);
      return;
    }
    const monitor = this.deps.spawn(this.deps.conmonLaunch(id, layout));
    const warm: WarmLaunch = { id, layout, gate, launch: monitor.release() };
    // A launch that ends before it was used (conmon or runc died) is of no use: forget it.
    void warm.launch.then(
      () => this.forgetIfReady(warm),
      () => this.forgetIfReady(warm),
    );
    if (this.closed) return void this.discard(warm);
    this.ready = warm;
  }

  private forgetIfReady(warm: WarmLaunch): void {
    if (this.ready !== warm) return;
    this.ready = undefined;
    void this.discard(warm);
  }
}
