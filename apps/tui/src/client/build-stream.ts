import type { BuildEvent } from '@strata/core';

const patterns: Array<[RegExp, (m: RegExpExecArray) => BuildEvent]> = [
  [/^Step (\d+)\/(\d+) : (.*)$/, (m) => ({ kind: 'step', step: Number(m[1]), total: Number(m[2]), instruction: m[3] })],
  [/^ ---> Using cache$/, () => ({ kind: 'cache' })],
  [/^ ---> Running in ([0-9a-f]+)$/, (m) => ({ kind: 'running', container: m[1] })],
  [/^ ---> ([0-9a-f]{12,64})$/, (m) => ({ kind: 'image', id: m[1] })],
  [/^Removing intermediate container ([0-9a-f]+)$/, (m) => ({ kind: 'removing', container: m[1] })],
  [/^# Executing (\d+) build triggers?$/, (m) => ({ kind: 'triggers', count: Number(m[1]) })],
  [/^Successfully built ([0-9a-f]+)$/, (m) => ({ kind: 'built', id: m[1] })],
  [/^Successfully tagged (.+)$/, (m) => ({ kind: 'tagged', name: m[1] })],
];

/**
 * The classic builder's output lines (`POST /build`'s `stream` texts, split at newlines) as the
 * build events the embedded engine reports, so the app draws one step log for both engines.
 */
export function classicBuildEvent(line: string): BuildEvent {
  for (const [pattern, event] of patterns) {
    const m = pattern.exec(line);
    if (m) return event(m);
  }
  return { kind: 'output', text: `${line}\n`, stream: 'stdout' };
}
