import { createEngine, isStrataError, type Engine } from '@strata/core';
import { defaultDataRoot, openDataRoot } from '@strata/storage';
import { RegistryClient, defaultCertsDir } from '@strata/registry';

/** The embedded engine on an opened data root; `close` releases both. */
export interface EmbeddedEngine {
  engine: Engine;
  root: string;
  /** Why containers cannot run here, when they cannot. */
  containersDisabled?: string;
  close(): Promise<void>;
}

/** Opens the data root (taking its lock) and starts the embedded engine on it; `withRuntime` adds runc for containers. */
export async function openEmbeddedEngine(dataRoot: string | undefined, options: { withRuntime?: boolean } = {}): Promise<EmbeddedEngine> {
  const dataRootHandle = await openDataRoot(dataRoot ?? defaultDataRoot());
  // Pulls from the app go to registries as stratad's do (certs.d, loopback registries over plain HTTP).
  dataRootHandle.ports.registry ??= new RegistryClient({ certsDir: defaultCertsDir() });
  // `ADD <url>` in a build from the app fetches as stratad's does; fetch loads only when a build asks.
  dataRootHandle.ports.http ??= (url, init) => fetch(url, init);
  let engine: Engine;
  let containersDisabled: string | undefined;
  try {
    if (options.withRuntime) {
      // Loaded only here: `strata load` and `strata analyze` never run containers and start faster without it.
      const { containerRuntime } = await import('./container-runtime.js');
      const found = await containerRuntime(dataRootHandle.root, dataRootHandle.ports);
      containersDisabled = found.disabled;
      engine = createEngine(found.runtime ? { ...dataRootHandle.ports, runtime: found.runtime } : dataRootHandle.ports);
    } else {
      engine = createEngine(dataRootHandle.ports);
    }
  } catch (e) {
    await dataRootHandle.close();
    throw e;
  }
  return {
    engine,
    root: dataRootHandle.root,
    ...(containersDisabled !== undefined ? { containersDisabled } : {}),
    async close() {
      try {
        await engine.close();
      } finally {
        await dataRootHandle.close();
      }
    },
  };
}

/** What to tell the user when the data root cannot be opened. */
export function explainOpenFailure(e: unknown, dataRoot: string | undefined): string {
  const message = e instanceof Error ? e.message : String(e);
  if (isStrataError(e, 'conflict')) {
    return (
      `${message}\n` +
      'Only one strata or stratad process can own a data root at a time. Quit the other one, ' +
      `or use another data root: strata --data-root DIR${dataRoot ? '' : ` (this one is the default, ${defaultDataRoot()})`}`
    );
  }
  return message;
}
