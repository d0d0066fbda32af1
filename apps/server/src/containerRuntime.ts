import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Codecs, ContentStore, Hasher, NetworkPort, Runtime } from '@strata/core';

/** What `/info` and `/version` say about the runtime: `Runtimes: {"runc": {"path": ...}}`. */
export interface RuntimeFacts {
  name: string;
  path: string;
  /** `1.1.5+ds1` from `runc --version`, when it answers. */
  version?: string;
}

/** The factory `@strata/runtime` exports (typed here so the daemon builds before that package has it). */
interface RuntimeModule {
  createRuncRuntime?: (options: { dataRoot: string; content: ContentStore; codecs: Codecs; hasher: Hasher }) => Runtime;
  createBridgeNetwork?: (options: { dataRoot: string; defaultHostIp?: string; log?: (message: string) => void }) => NetworkPort;
  removeBridgeNetwork?: (dataRoot: string) => Promise<void>;
}

/** Where `command` is found on PATH (runc lives in /usr/sbin on Debian, not always on a user's PATH). */
function commandPath(command: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    if (dir === '') continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** `runc version 1.1.5+ds1` -> `1.1.5+ds1`. */
function runtimeVersion(path: string): string | undefined {
  const r = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 5_000 });
  return /version\s+(\S+)/.exec(r.stdout ?? '')?.[1];
}

/**
 * The container runtime of `@strata/runtime` on this data root, or why there is none: the
 * package does not export its factory yet, or runc/conmon are missing. Without one the daemon
 * still serves everything but running processes.
 */
export async function containerRuntime(
  dataRoot: string,
  ports: { content: ContentStore; codecs: Codecs; hasher: Hasher },
  network: { defaultHostIp?: string; bridge?: 'none' } = {},
): Promise<{ runtime?: Runtime; network?: NetworkPort; facts?: RuntimeFacts; disabled?: string }> {
  let mod: RuntimeModule;
  try {
    mod = (await import('@strata/runtime')) as unknown as RuntimeModule;
  } catch (e) {
    return { disabled: `@strata/runtime could not be loaded: ${(e as Error).message}` };
  }
  if (typeof mod.createRuncRuntime !== 'function') return { disabled: '@strata/runtime has no container runtime in this build' };
  const runtime = mod.createRuncRuntime({ dataRoot, content: ports.content, codecs: ports.codecs, hasher: ports.hasher });
  const availability = await runtime.available();
  if (!availability.ok) return { disabled: availability.reason };
  const path = commandPath(runtime.name) ?? runtime.name;
  // `--bridge none` (dockerd's -b none): no bridge at all, so containers get loopback only.
  const bridge =
    network.bridge === 'none'
      ? undefined
      : mod.createBridgeNetwork?.({ dataRoot, defaultHostIp: network.defaultHostIp, log: (m) => process.stderr.write(`stratad: ${m}\n`) });
  // A bridge an earlier stratad ran on this data root goes with `--bridge none`, as docker0's network with dockerd's.
  if (network.bridge === 'none') await mod.removeBridgeNetwork?.(dataRoot).catch((e: Error) => process.stderr.write(`stratad: removing the old bridge namespace: ${e.message}\n`));
  const bridgeOk = bridge ? (await bridge.available()).ok : false;
  return { runtime, ...(bridge && bridgeOk ? { network: bridge } : {}), facts: { name: runtime.name, path, version: runtimeVersion(path) } };
}
