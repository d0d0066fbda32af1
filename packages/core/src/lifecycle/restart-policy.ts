import { invalid } from '../errors/index.js';

/** Docker's `HostConfig.RestartPolicy`. */
export interface RestartPolicy {
  Name: 'no' | 'always' | 'on-failure' | 'unless-stopped';
  MaximumRetryCount: number;
}

/** Validate the create body's restart policy (`''` means `no`), with dockerd's wording. */
export function parseRestartPolicy(value: unknown): RestartPolicy {
  const v = (value ?? {}) as { Name?: unknown; MaximumRetryCount?: unknown };
  const name = typeof v.Name === 'string' && v.Name !== '' ? v.Name : 'no';
  const max = typeof v.MaximumRetryCount === 'number' ? v.MaximumRetryCount : 0;
  if (!['no', 'always', 'on-failure', 'unless-stopped'].includes(name)) throw invalid(`invalid restart policy '${name}'`);
  if (max < 0) throw invalid('maximum retry count cannot be negative');
  if (max !== 0 && name !== 'on-failure') throw invalid(`maximum retry count cannot be used with restart policy '${name}'`);
  return { Name: name as RestartPolicy['Name'], MaximumRetryCount: max };
}

/** What the engine knows when a process has exited, to decide on a restart. */
export interface ExitFacts {
  exitCode: number;
  /** The user stopped or killed it (docker stop/kill/restart). */
  manuallyStopped: boolean;
  /** Restarts done so far under this policy. */
  restartCount: number;
}

/** Whether the policy restarts the container after this exit (moby's restartmanager). */
export function shouldRestart(policy: RestartPolicy, exit: ExitFacts): boolean {
  if (exit.manuallyStopped) return false;
  switch (policy.Name) {
    case 'always':
    case 'unless-stopped':
      return true;
    case 'on-failure':
      return exit.exitCode !== 0 && (policy.MaximumRetryCount === 0 || exit.restartCount < policy.MaximumRetryCount);
    default:
      return false;
  }
}

/** Whether the engine starts the container when it (the engine) starts. */
export function restartsWithEngine(policy: RestartPolicy, exit: ExitFacts & { startedBefore: boolean }): boolean {
  if (!exit.startedBefore) return false;
  if (policy.Name === 'always') return true;
  return shouldRestart(policy, exit);
}

const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 60_000;
const STABLE_RUN_MS = 10_000;

/**
 * The delay before the next restart, as moby's restartmanager: 100 ms doubling up to a minute,
 * back to 100 ms when the process ran at least 10 s.
 */
export function restartDelay(previousDelayMs: number, ranForMs: number): number {
  if (ranForMs >= STABLE_RUN_MS || previousDelayMs <= 0) return FIRST_DELAY_MS;
  return Math.min(previousDelayMs * 2, MAX_DELAY_MS);
}
