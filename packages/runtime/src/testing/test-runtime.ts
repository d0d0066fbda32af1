// Test-only: a real runc runtime on a fixture data root, and its teardown.
import { join } from 'node:path';
import { nodeCodecs, nodeHasher } from '@strata/storage';
import { removeCgroupDirs } from '../container/cgroup-dirs.js';
import { createRuncRuntime, type RuncRuntime } from '../runc-runtime.js';
import type { FixtureRoot } from './fixture-images.js';

/** The runc runtime on `fx`, its runc state under the fixture dir, its containers under `cgroupParent`. */
export function testRuntime(fx: FixtureRoot, cgroupParent: string): RuncRuntime {
  return createRuncRuntime({ dataRoot: fx.dir, content: fx.dataRoot.content, codecs: nodeCodecs, hasher: nodeHasher, runcRoot: join(fx.dir, 'runc'), cgroupParent });
}

/**
 * Removes every container a test made (running or paused ones killed first), their cgroup parent
 * and the fixture root; returns the removals that failed.
 */
export async function disposeTestRuntime(runtime: RuncRuntime | undefined, fx: FixtureRoot | undefined, created: Iterable<string>, cgroupParent: string): Promise<unknown[]> {
  const failures: unknown[] = [];
  for (const id of runtime ? created : []) {
    const s = await runtime!.state(id).catch(() => undefined);
    if (s?.status === 'running' || s?.status === 'paused') {
      await runtime!.kill(id, 'KILL').catch(() => undefined);
      await runtime!.waitExit(id).catch(() => undefined);
    }
    await runtime!.remove(id).catch((e: unknown) => failures.push(e));
  }
  await removeCgroupDirs(`/${cgroupParent}`);
  await fx?.close();
  return failures;
}
