import { humanSize } from '../format/index.js';
import { pruneEstimate, pruneKinds, pruneWords, stoppedStates, type PruneKind } from './disk-overview.js';
import type { JobBoard, JobReport } from './job-board.js';
import type { TuiEngine } from './tui-engine.js';
import type { WorkHost } from './image-work.js';
import type { DiskUsage } from '@strata/core';
import { hasErrorKind } from './error-kind.js';

/** What one prune removed. */
export interface PruneOutcome {
  removed: string[];
  bytes: number;
}

/**
 * The Volumes and Disk-usage work: create a volume, prune volumes, and each part of
 * `docker system prune` (dangling images, stopped containers, unused volumes, build cache),
 * always after a question that says what it frees.
 */
export class StoreCleanup {
  constructor(
    private readonly engine: TuiEngine,
    private readonly jobs: JobBoard,
    private readonly host: WorkHost,
  ) {}

  /** The create form: a name (empty: the engine picks one). */
  askCreateVolume(onCreated: () => void): void {
    const create = this.engine.createVolume?.bind(this.engine);
    if (!create) return this.host.fail('this engine cannot create volumes');
    this.host.ask({
      kind: 'form',
      title: 'Create a volume',
      fields: [{ name: 'name', label: 'Name', value: '', placeholder: 'a random name' }],
      field: 0,
      onSubmit: (v) => {
        const name = (v.name ?? '').trim();
        void this.jobs
          .run(`create volume ${name || '(anonymous)'}`, async () => `created volume ${(await create(name ? { Name: name } : {})).Name}`)
          .then((job) => {
            this.report(job.state, job.summary);
            onCreated();
          });
      },
    });
  }

  /** Asks, then removes every volume no container uses. */
  askPruneVolumes(unused: string[], onDone: () => void): void {
    if (!this.engine.pruneVolumes) return this.host.fail('this engine cannot prune volumes');
    if (unused.length === 0) return this.host.notify('every volume is in use: nothing to prune');
    this.host.ask({
      kind: 'confirm',
      message: `Remove ${unused.length} unused volume${unused.length === 1 ? '' : 's'} (${unused.join(', ')})?`,
      onConfirm: () => void this.prune(['volumes']).then(onDone),
    });
  }

  /** Asks, with what it frees, then prunes `kinds` (one row of the Disk usage panel, or all). */
  askPrune(kinds: readonly PruneKind[], du: DiskUsage | undefined, onDone: () => void): void {
    const estimate = du ? pruneEstimate(du) : undefined;
    const parts = kinds.map((k) => (estimate ? `${estimate[k].count} ${pruneWords[k]}` : pruneWords[k])).join(', ');
    const bytes = estimate ? kinds.reduce((n, k) => n + estimate[k].bytes, 0) : undefined;
    this.host.ask({
      kind: 'confirm',
      message: `Remove ${parts}?${bytes !== undefined ? ` That frees about ${humanSize(bytes)}.` : ''}`,
      onConfirm: () => void this.prune(kinds).then(onDone),
    });
  }

  /** Prunes `kinds` in `docker system prune`'s order, one job; resolves when it ended. */
  async prune(kinds: readonly PruneKind[]): Promise<void> {
    const ordered = pruneKinds.filter((k) => kinds.includes(k));
    const job = await this.jobs.run(`prune ${ordered.map((k) => pruneWords[k]).join(', ')}`, async (report) => {
      let total = 0;
      const counts: string[] = [];
      for (const kind of ordered) {
        report.summary(`removing ${pruneWords[kind]}`);
        const outcome = await this.pruneOne(kind, report);
        total += outcome.bytes;
        counts.push(`${outcome.removed.length} ${pruneWords[kind]}`);
      }
      return `removed ${counts.join(', ')}; reclaimed ${humanSize(total)}`;
    });
    this.report(job.state, job.summary);
  }

  private async pruneOne(kind: PruneKind, report: JobReport): Promise<PruneOutcome> {
    const engine = this.engine;
    const line = (text: string): void => report.line({ text, tone: 'plain' });
    switch (kind) {
      case 'images': {
        if (!engine.pruneImages) throw new Error('this engine cannot prune images');
        const r = await engine.pruneImages({ dangling: ['true'] });
        const removed = (r.ImagesDeleted ?? []).map((i) => ('Untagged' in i ? `untagged ${i.Untagged}` : `deleted ${i.Deleted}`));
        removed.forEach(line);
        return { removed: removed.filter((t) => t.startsWith('deleted')), bytes: r.SpaceReclaimed };
      }
      case 'containers': {
        // The Docker API's /containers/prune is not on every engine; removing the stopped ones one by one is the same.
        const stopped = (await engine.listContainers({ all: true, size: true })).filter((c) => stoppedStates.has(c.State));
        let bytes = 0;
        for (const c of stopped) {
          await engine.removeContainer(c.Id);
          bytes += c.SizeRw ?? 0;
          line(`removed container ${(c.Names[0] ?? c.Id).replace(/^\//, '')}`);
        }
        return { removed: stopped.map((c) => c.Id), bytes };
      }
      case 'volumes': {
        if (!engine.pruneVolumes) throw new Error('this engine cannot prune volumes');
        const r = await engine.pruneVolumes();
        for (const v of r.VolumesDeleted) line(`removed volume ${v}`);
        return { removed: r.VolumesDeleted, bytes: r.SpaceReclaimed };
      }
      case 'buildCache': {
        // Strata's classic builder keeps its cache as images (pruned with the dangling ones).
        if (!engine.pruneBuildCache) return { removed: [], bytes: 0 };
        const r = await engine.pruneBuildCache().catch((e: unknown) => {
          // stratad has no /build/prune: there is no cache of that kind to free.
          if (hasErrorKind(e, 'not-found')) return { CachesDeleted: null, SpaceReclaimed: 0 };
          throw e;
        });
        return { removed: r.CachesDeleted ?? [], bytes: r.SpaceReclaimed };
      }
    }
  }

  private report(state: 'running' | 'done' | 'failed' | 'cancelled', summary: string): void {
    if (state === 'failed') this.host.fail(summary);
    else this.host.notify(summary);
  }
}
