import { createEngine } from '@strata/core';
import type { ImageEngine } from '@strata/core';
import { defaultDataRoot, openDataRoot } from '@strata/storage';
import { RegistryClient, type TransportOptions, defaultCertsDir } from '@strata/registry';
import { containerRuntime, type RuntimeFacts } from './containerRuntime.js';

/** An engine on an opened (and locked) data root, closed together. */
export interface DataRootEngine {
  engine: ImageEngine;
  /** The runtime containers run with; absent when they cannot run here. */
  runtime?: RuntimeFacts;
  /** Why containers cannot run here (`runc` missing, ...), when they cannot. */
  containersDisabled?: string;
  close(): Promise<void>;
}

/** Opens and locks the data root (recording `socket` in the lock for other front ends) and creates the engine on it. */
export async function openDataRootEngine(
  dataRoot: string,
  socket?: string,
  registry: TransportOptions = {},
  network: { defaultHostIp?: string; bridge?: 'none' } = {},
): Promise<DataRootEngine> {
  const dr = await openDataRoot(dataRoot, { socket });
  dr.ports.registry = new RegistryClient({ certsDir: defaultCertsDir(), ...registry });
  dr.ports.http = (url, init) => fetch(url, init);
  try {
    const found = await containerRuntime(dataRoot, dr.ports, network);
    const engine = createEngine(found.runtime ? { ...dr.ports, runtime: found.runtime, ...(found.network ? { network: found.network } : {}) } : dr.ports);
    return {
      engine,
      runtime: found.facts,
      containersDisabled: found.disabled,
      close: async () => {
        try {
          await engine.close();
        } finally {
          await dr.close();
        }
      },
    };
  } catch (e) {
    await dr.close();
    throw e;
  }
}

/** Where stratad keeps its data unless `--data-root` says otherwise. */
export const defaultStrataDataRoot = (): string => defaultDataRoot();
