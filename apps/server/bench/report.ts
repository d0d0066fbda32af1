// The benchmark's table: one row per metric, both engines, the ratio oriented so that > 1 means
// Strata is better, and the target Strata is held to.
import type { EngineFigures, Figure } from './imageMetrics.js';

/** How a metric reads: throughput (higher is better) or latency (lower is better). */
export interface MetricSpec {
  key: 'load' | 'save' | 'images';
  label: string;
  unit: string;
  higherIsBetter: boolean;
  /** Target for the ratio (Strata better by this factor). */
  target: number;
}

export const metrics: MetricSpec[] = [
  { key: 'load', label: 'docker load', unit: 'MB/s', higherIsBetter: true, target: 3 },
  { key: 'save', label: 'docker save', unit: 'MB/s', higherIsBetter: true, target: 3 },
  { key: 'images', label: 'docker images', unit: 'ms', higherIsBetter: false, target: 1 },
];

/** An engine's figures, or why there are none. */
export type EngineColumn = EngineFigures | { unavailable: string };

function cell(column: EngineColumn, spec: MetricSpec): string {
  if ('unavailable' in column) return 'n/a';
  const figure = column[spec.key];
  return 'failed' in figure ? 'failed' : figure.value.toFixed(1);
}

/** Strata's advantage: strata/dockerd for throughput, dockerd/strata for latency. */
export function ratio(dockerd: Figure | undefined, strata: Figure | undefined, spec: MetricSpec): number | undefined {
  if (!dockerd || !strata || 'failed' in dockerd || 'failed' in strata) return undefined;
  return spec.higherIsBetter ? strata.value / dockerd.value : dockerd.value / strata.value;
}

const figureOf = (column: EngineColumn, spec: MetricSpec): Figure | undefined => ('unavailable' in column ? undefined : column[spec.key]);

const times = (r: number | undefined) => (r === undefined ? '-' : `${r.toFixed(2)}x`);

/**
 * The table as lines of text, then a legend, one line per failure and the raw runs. With a
 * ceiling column (the same CLI against a server that does no work), `ceiling ratio` is the best
 * ratio any engine could show on this machine, and `strata/ceiling` how much of that Strata reaches.
 */
export function formatReport(dockerd: EngineColumn, strata: EngineColumn, ceiling?: EngineColumn): string[] {
  const head = ['metric', 'dockerd', 'strata', 'ratio', 'target', 'met'];
  if (ceiling) head.push('ceiling', 'ceiling ratio', 'strata/ceiling');
  const rows = [head];
  for (const spec of metrics) {
    const r = ratio(figureOf(dockerd, spec), figureOf(strata, spec), spec);
    const row = [`${spec.label} (${spec.unit})`, cell(dockerd, spec), cell(strata, spec), times(r), `>= ${spec.target}x`, r === undefined ? '-' : r >= spec.target ? 'yes' : 'no'];
    if (ceiling) {
      const reach = ratio(figureOf(ceiling, spec), figureOf(strata, spec), spec);
      row.push(cell(ceiling, spec), times(ratio(figureOf(dockerd, spec), figureOf(ceiling, spec), spec)), reach === undefined ? '-' : `${(reach * 100).toFixed(0)}%`);
    }
    rows.push(row);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const lines = rows.map((row) => row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('   '));
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('   '));
  lines.push('');
  if (ceiling) {
    lines.push('ceiling: the same docker CLI commands against a server that does no work (load reads and drops the body,');
    lines.push('save streams the archive file, images answers from memory) on its own fresh filesystem.');
    lines.push('');
  }
  const columns: Array<readonly [string, EngineColumn]> = [['dockerd', dockerd], ['strata', strata]];
  if (ceiling) columns.push(['ceiling', ceiling]);
  for (const [name, column] of columns) {
    if ('unavailable' in column) continue;
    for (const spec of metrics) {
      const figure = column[spec.key];
      lines.push(
        'failed' in figure
          ? `${name} ${spec.label}: failed: ${figure.failed}`
          : `${name} ${spec.label} runs (${spec.unit}): ${figure.runs.map((v) => v.toFixed(1)).join(', ')}`,
      );
    }
  }
  return lines;
}
