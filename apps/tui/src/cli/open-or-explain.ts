import { explainOpenFailure, openEmbeddedEngine, type EmbeddedEngine } from './data-root-engine.js';

/** Prints `strata: message` on stderr and returns the exit status. */
export function fail(message: string, status = 1): number {
  process.stderr.write(`strata: ${message}\n`);
  return status;
}

/** The embedded engine on the data root, or the exit status after saying why not. */
export async function openOrExplain(dataRoot: string | undefined, options: { withRuntime?: boolean } = {}): Promise<EmbeddedEngine | number> {
  try {
    return await openEmbeddedEngine(dataRoot, options);
  } catch (e) {
    return fail(explainOpenFailure(e, dataRoot));
  }
}
