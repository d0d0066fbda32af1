import { explainOpenFailure, openEmbeddedEngine, type EmbeddedEngine } from './data-root-engine.js';
import { fail } from './exit-message.js';

export { fail };

/** The embedded engine on the data root, or the exit status after saying why not. */
export async function openOrExplain(dataRoot: string | undefined, options: { withRuntime?: boolean } = {}): Promise<EmbeddedEngine | number> {
  try {
    return await openEmbeddedEngine(dataRoot, options);
  } catch (e) {
    return fail(explainOpenFailure(e, dataRoot));
  }
}
