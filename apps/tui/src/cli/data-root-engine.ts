import { createEngine, isStrataError, type Engine } from '@strata/core';
import { defaultDataRoot, openDataRoot } from '@strata/storage';

/** The embedded engine on an opened data root; `close` releases both. */
export interface EmbeddedEngine {
  engine: Engine;
  root: string;
  close(): Promise<void>;
}

/** Opens the data root (taking its lock) and starts the embedded engine on it. */
export async function openEmbeddedEngine(dataRoot: string | undefined): Promise<EmbeddedEngine> {
  const dataRootHandle = await openDataRoot(dataRoot ?? defaultDataRoot());
  const engine = createEngine(dataRootHandle.ports);
  return {
    engine,
    root: dataRootHandle.root,
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
