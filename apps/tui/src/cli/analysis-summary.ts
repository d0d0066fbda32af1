import type { ImageInsightSummary } from '@strata/core';

/** What the summary reads: a whole report or its kept summary. */
type SummaryInput = Omit<ImageInsightSummary, 'top' | 'layers'> & { layers: ImageInsightSummary['layers'] };
import { humanSize } from '../format/index.js';

const pct = (n: number | null): string => (n === null ? 'n/a' : `${(n * 100).toFixed(4)} %`);
const oneLine = (s: string, width: number): string => {
  const t = s.replace(/\s+/g, ' ').replace(/^\/bin\/sh -c (#\(nop\) +)?/, '').trim();
  return t.length > width ? `${t.slice(0, width - 1)}…` : t;
};

/** The text `strata analyze IMAGE` prints: layers, dive's figures and ours, largest paths, flags. */
export function analysisSummary(r: SummaryInput, top: number): string {
  const out: string[] = [];
  const h = r.honest;
  out.push(`Image: ${r.image.names.join(', ')} (${r.image.id})`);
  out.push(`  ${r.layers.length} layers, ${humanSize(h.imageSize)} (${h.imageSize} bytes); base: ${h.baseLayers} layer${h.baseLayers === 1 ? '' : 's'} (${h.baseSource})`);
  out.push('');
  out.push('Layers:');
  out.push(`  ${'#'.padStart(3)}  ${'SIZE'.padStart(9)}  ${'ADDED'.padStart(6)} ${'MOD'.padStart(5)} ${'DEL'.padStart(5)}  ${'WASTED'.padStart(9)}  COMMAND`);
  for (const l of r.layers) {
    out.push(
      `  ${String(l.index).padStart(3)}  ${humanSize(l.size).padStart(9)}  ${String(l.counts.added).padStart(6)} ${String(l.counts.modified).padStart(5)} ${String(l.counts.removed).padStart(5)}  ${humanSize(l.wastedBytes).padStart(9)}  ${l.base ? '(base) ' : ''}${oneLine(l.command, 70)}`,
    );
  }
  out.push('');
  out.push('Efficiency (as dive computes it):');
  out.push(`  efficiency ${pct(r.dive.efficiency)}, wasted ${humanSize(r.dive.wastedBytes)} (${r.dive.wastedBytes} bytes), user wasted ${pct(r.dive.wastedUserPercent)} of ${humanSize(r.dive.userSizeBytes)}`);
  out.push('Efficiency (ours):');
  out.push(`  efficiency ${pct(h.efficiency)}, wasted ${humanSize(h.wastedBytes)} (${h.wastedBytes} bytes): ${humanSize(h.deletedShippedBytes)} deleted but shipped, ${humanSize(h.overwrittenBytes)} overwritten`);
  out.push(`  user size ${humanSize(h.userSize)} above the base, of which ${humanSize(h.userWastedBytes)} wasted (${pct(h.userWastedPercent)})`);
  if (r.wastedPaths.length) {
    out.push('');
    out.push('Most wasted:');
    for (const w of r.wastedPaths.slice(0, top)) out.push(`  ${humanSize(w.wastedBytes).padStart(9)}  /${w.path}  (${w.copies} cop${w.copies === 1 ? 'y' : 'ies'} in layers ${w.layers.join(',')}${w.deleted ? ', deleted' : ''})`);
  }
  out.push('');
  out.push('Largest files:');
  for (const f of r.largestFiles.slice(0, top)) out.push(`  ${humanSize(f.size).padStart(9)}  /${f.path}`);
  out.push('Largest directories:');
  for (const d of r.largestDirs.slice(0, top)) out.push(`  ${humanSize(d.size).padStart(9)}  /${d.path}`);
  if (r.secrets.length) {
    out.push('');
    out.push('Secret-looking files shipped:');
    for (const s of r.secrets) out.push(`  /${s.path}  (layer ${s.layer}, ${humanSize(s.size)}${s.visible ? '' : ', deleted later but still shipped'})`);
  }
  if (r.caches.length) {
    out.push('');
    out.push('Package-manager caches:');
    for (const c of r.caches) out.push(`  /${c.root}  ${c.files} files, ${humanSize(c.shippedBytes)} shipped, ${humanSize(c.visibleBytes)} in the final image (layers ${c.layers.join(',')})`);
  }
  return `${out.join('\n')}\n`;
}
