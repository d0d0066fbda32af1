import { createEngine } from '@strata/core';
import type { ImageEngine } from '@strata/core';
import { defaultDataRoot, openDataRoot } from '@strata/storage';

/** An engine on an opened (and locked) data root, closed together. */
export interface DataRootEngine {
  engine: ImageEngine;
  close(): Promise<void>;
}

/** Opens and locks the data root (recording `socket` in the lock for other front ends) and creates the engine on it. */
export async function openDataRootEngine(dataRoot: string, socket?: string): Promise<DataRootEngine> {
  const dr = await openDataRoot(dataRoot, { socket });
  try {
    const engine = createEngine(dr.ports);
    return {
      engine,
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
