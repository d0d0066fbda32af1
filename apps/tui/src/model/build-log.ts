import type { BuildEvent } from '@strata/core';

/** How a line of the step log is drawn. */
export type LogTone = 'step' | 'cache' | 'output' | 'error' | 'done' | 'plain';

/** One line of a job's log. */
export interface JobLine {
  text: string;
  tone: LogTone;
}

const tones: Partial<Record<BuildEvent['kind'], LogTone>> = { step: 'step', cache: 'cache', built: 'done', tagged: 'done', warning: 'error' };

/**
 * The step log lines of one build event (`Step 2/4 : RUN ...`, ` ---> Using cache`), as `docker build` prints them;
 * `classicText` is core's `classicBuildText`, passed in so that the app's first frame does not wait for the engine's code.
 */
export function buildLines(event: BuildEvent, classicText: (event: BuildEvent) => string): JobLine[] {
  const text = classicText(event).replace(/\u001b\[\d+m/g, '');
  const tone = tones[event.kind] ?? (event.kind === 'output' ? (event.stream === 'stderr' ? 'error' : 'output') : 'plain');
  return text
    .replace(/\n$/, '')
    .split('\n')
    .filter((line, i, all) => line !== '' || all.length > 1)
    .map((line) => ({ text: line, tone }));
}

/** Where a build is: the step it runs and how many steps came from the cache. */
export interface BuildProgress {
  step: number;
  total: number;
  cached: number;
}

/** Counts steps and cache hits as the events arrive. */
export function advanceBuild(progress: BuildProgress, event: BuildEvent): BuildProgress {
  if (event.kind === 'step') return { ...progress, step: event.step, total: event.total };
  if (event.kind === 'cache') return { ...progress, cached: progress.cached + 1 };
  return progress;
}
