import type { JobLine } from './build-log.js';
import type { LayerProgress } from './pull-progress.js';

/** Long work the app does in the background: pull, build, save, load, prune, extract. */
export interface Job {
  id: number;
  /** `pull 127.0.0.1:5000/busybox:local`. */
  title: string;
  state: 'running' | 'done' | 'failed' | 'cancelled';
  /** The user can stop it (pull, save): its work takes an abort signal. */
  cancellable: boolean;
  /** One line of where it is (`2/3 layers done`, `step 3/5, 2 cached`). */
  summary: string;
  /** The step log (build), messages (load, save, prune). */
  lines: JobLine[];
  /** Per-layer progress (pull). */
  layers: LayerProgress[];
}

/** What a job's work can tell the board while it runs. */
export interface JobReport {
  summary(text: string): void;
  line(line: JobLine): void;
  layers(layers: LayerProgress[]): void;
}

/** Lines a job keeps: a long build log is cut at its start. */
const maxLines = 500;
/** Finished jobs kept for the panel. */
const maxFinished = 8;

/**
 * The jobs list: each long piece of work with its progress and log, running or finished. Work
 * runs in the background; a failure ends its job with the engine's message and never escapes,
 * so the app stays usable.
 */
export class JobBoard {
  private list: Job[] = [];
  private ids = 0;
  private readonly listeners = new Set<() => void>();
  private readonly pending = new Set<Promise<Job>>();
  private readonly controllers = new Map<number, AbortController>();

  /** Newest first. */
  get jobs(): readonly Job[] {
    return this.list;
  }

  /** The jobs still running. */
  get running(): Job[] {
    return this.list.filter((j) => j.state === 'running');
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Starts `work` as a job; resolves with the job once it ended (never rejects). `work`'s result
   * text becomes the summary of a job that succeeded, the error's message that of one that failed.
   */
  run(title: string, work: (report: JobReport, signal: AbortSignal) => Promise<string>, options: { cancellable?: boolean } = {}): Promise<Job> {
    const running = this.perform(title, work, options.cancellable ?? false);
    this.pending.add(running);
    void running.then(() => this.pending.delete(running));
    return running;
  }

  /** Resolves once every job started so far has ended. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** Stops the newest running job that can be stopped; false when there is none. */
  cancelNewest(): boolean {
    const job = this.list.find((j) => j.state === 'running' && j.cancellable);
    if (!job) return false;
    this.controllers.get(job.id)?.abort();
    return true;
  }

  private async perform(title: string, work: (report: JobReport, signal: AbortSignal) => Promise<string>, cancellable: boolean): Promise<Job> {
    const id = ++this.ids;
    const controller = new AbortController();
    this.controllers.set(id, controller);
    this.list = [{ id, title, state: 'running', cancellable, summary: 'starting', lines: [], layers: [] }, ...this.list];
    this.trim();
    this.emit();
    const report: JobReport = {
      summary: (summary) => this.change(id, () => ({ summary })),
      line: (line) => this.change(id, (j) => ({ lines: j.lines.length >= maxLines ? [...j.lines.slice(1 - maxLines), line] : [...j.lines, line] })),
      layers: (layers) => this.change(id, () => ({ layers })),
    };
    try {
      const summary = await work(report, controller.signal);
      this.change(id, () => ({ state: 'done', summary }));
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      if (controller.signal.aborted) this.change(id, () => ({ state: 'cancelled', summary: 'cancelled' }));
      else this.change(id, (j) => ({ state: 'failed', summary: message, lines: [...j.lines, { text: message, tone: 'error' }] }));
    } finally {
      this.controllers.delete(id);
    }
    return this.list.find((j) => j.id === id) as Job;
  }

  /** Forgets the finished jobs. */
  clearFinished(): void {
    this.list = this.list.filter((j) => j.state === 'running');
    this.emit();
  }

  private change(id: number, change: (job: Job) => Partial<Job>): void {
    this.list = this.list.map((j) => (j.id === id ? { ...j, ...change(j) } : j));
    this.emit();
  }

  private trim(): void {
    const finished = this.list.filter((j) => j.state !== 'running');
    if (finished.length <= maxFinished) return;
    const dropped = new Set(finished.slice(maxFinished).map((j) => j.id));
    this.list = this.list.filter((j) => !dropped.has(j.id));
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }
}
