import type { ProgressMessage } from '@strata/core';
import { humanSize } from '../format/index.js';

/** One layer of a pull, as its latest progress message left it. */
export interface LayerProgress {
  /** The layer's short ID, as the engine names it in progress messages. */
  id: string;
  status: string;
  current?: number;
  total?: number;
  /** The engine's pre-rendered bar and figures (`[==>  ] 1.2MB/3.4MB`). */
  progress?: string;
}

const finished = new Set(['Pull complete', 'Already exists', 'Download complete']);

/**
 * Folds one pull progress message into the per-layer rows: messages with an `id` are about one
 * layer (`Downloading`, `Extracting`, `Pull complete`); the others (`Pulling from ...`,
 * `Digest: ...`) are returned as a line for the job's log. The image's own ID line (`Pulling
 * from` carries the tag as id) is a line, not a layer.
 */
export function applyPullMessage(layers: readonly LayerProgress[], m: ProgressMessage): { layers: LayerProgress[]; line?: string } {
  const status = m.status ?? '';
  if (!m.id || status.startsWith('Pulling from')) return { layers: [...layers], ...(status ? { line: m.id ? `${m.id}: ${status}` : status } : {}) };
  const row: LayerProgress = { id: m.id, status };
  if (m.progressDetail?.total) {
    row.current = m.progressDetail.current ?? 0;
    row.total = m.progressDetail.total;
  }
  if (m.progress) row.progress = m.progress;
  const at = layers.findIndex((l) => l.id === m.id);
  const next = [...layers];
  if (at >= 0) next[at] = row;
  else next.push(row);
  return { layers: next };
}

/** `2/3 layers done, 1.2MB of 3.4MB downloading`: the job line of a pull. */
export function pullSummary(layers: readonly LayerProgress[]): string {
  if (layers.length === 0) return 'resolving';
  const done = layers.filter((l) => finished.has(l.status) || l.status === 'Verifying Checksum').length;
  const moving = layers.filter((l) => l.total !== undefined && !finished.has(l.status));
  const bytes = moving.length > 0 ? `, ${humanSize(moving.reduce((n, l) => n + (l.current ?? 0), 0))} of ${humanSize(moving.reduce((n, l) => n + (l.total ?? 0), 0))}` : '';
  return `${done}/${layers.length} layers done${bytes}`;
}

/** The line a layer shows in the jobs panel, as `docker pull` prints it. */
export function layerLine(l: LayerProgress): string {
  return `${l.id}: ${l.status}${l.progress ? ` ${l.progress}` : ''}`;
}
