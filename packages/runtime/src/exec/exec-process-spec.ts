import type { ExecRuntimeSpec } from '@strata/core';
import type { ResolvedUser } from '../container/container-user.js';

/** The parts of the container's OCI `process` an exec starts from (its config.json). */
export interface ContainerProcess {
  /** As config.json has it: `additionalGids` only when there are some. */
  user: { uid: number; gid: number; additionalGids?: number[] };
  env: string[];
  cwd: string;
  capabilities?: Record<string, string[]>;
  rlimits?: unknown[];
  noNewPrivileges?: boolean;
  [key: string]: unknown;
}

/** `KEY=value` lists merged as Docker merges an exec's `-e` into the container's environment: later keys win, order kept. */
export function mergeEnv(base: readonly string[], extra: readonly string[]): string[] {
  const keyOf = (entry: string) => (entry.includes('=') ? entry.slice(0, entry.indexOf('=')) : entry);
  const out = [...base];
  for (const entry of extra) {
    const at = out.findIndex((e) => keyOf(e) === keyOf(entry));
    if (at >= 0) out[at] = entry;
    else out.push(entry);
  }
  return out;
}

/**
 * The OCI process runc execs for `docker exec`: the container's own process settings with the
 * exec's argv, environment, working dir, user and tty; `--privileged` gets every capability the
 * engine itself holds (more would make runc fail).
 */
export function execProcessSpec(
  container: ContainerProcess,
  spec: ExecRuntimeSpec,
  user: ResolvedUser | undefined,
  hostCapabilities: ReadonlySet<string>,
): Record<string, unknown> {
  const all = [...hostCapabilities];
  const capabilities = spec.privileged ? { bounding: all, effective: all, permitted: all } : container.capabilities;
  const identity = user ?? container.user;
  const groups = identity.additionalGids ?? [];
  return {
    ...container,
    terminal: spec.tty,
    user: { uid: identity.uid, gid: identity.gid, ...(groups.length ? { additionalGids: groups } : {}) },
    args: spec.args,
    env: mergeEnv(container.env, spec.env),
    cwd: spec.cwd || container.cwd || '/',
    ...(capabilities ? { capabilities } : {}),
  };
}
