import type { FsNode } from '../build/fs-tree.js';
import type { SnapshotDraft } from '../lifecycle/index.js';
import type { TarEntry } from '../layer/index.js';
import { type IngestedLayer, ingestTarBytes } from './layer-ingest.js';
import type { EnginePorts } from './ports.js';

const WHITEOUT_PREFIX = '.wh.';
const TRUSTED_XATTR = 'SCHILY.xattr.trusted.';

/** A build step's layer stored, and its snapshot being unpacked alongside when the runtime offers it. */
export interface StepLayer {
  layer: IngestedLayer;
  /** Commit once the step's image is written (or abort when it is not). */
  snapshot?: SnapshotDraft;
}

/**
 * Whether a tar of these entries is already what overlayfs wants: no name overlayfs or Docker reads
 * as a whiteout (a context may hold a file named `.wh.x`, which in a layer deletes `x`), no
 * `trusted.*` xattr (overlayfs's own bookkeeping must never come from a context).
 */
export function inOverlayForm(entries: ReadonlyArray<{ path: string; node: FsNode }>): boolean {
  for (const { path, node } of entries) {
    const slash = path.lastIndexOf('/');
    if (path.startsWith(WHITEOUT_PREFIX, slash + 1)) return false;
    for (const key in node.pax) if (key.startsWith(TRUSTED_XATTR)) return false;
  }
  return true;
}

/**
 * Stores a layer tar the build wrote in memory from `entries` and, when `overlayReady` and the runtime can draft
 * snapshots, feeds the same bytes to one at the same time, so the next RUN finds the layer
 * unpacked. The snapshot is derived data: if drafting fails the layer is stored all the same and
 * the snapshot is made from the blob when a container needs it.
 */
export async function storeStepLayer(ports: EnginePorts, tar: Uint8Array, entries: readonly TarEntry[], overlayReady: boolean): Promise<StepLayer> {
  const draft = overlayReady && ports.runtime?.draftSnapshot ? await ports.runtime.draftSnapshot().catch(() => undefined) : undefined;
  let drafted = draft;
  const feed = draft?.write(tar).catch(async () => {
    drafted = undefined;
    await draft.abort().catch(() => undefined);
  });
  try {
    const [layer] = await Promise.all([ingestTarBytes(ports, tar, entries), feed]);
    return { layer, snapshot: drafted };
  } catch (e) {
    await feed;
    await drafted?.abort().catch(() => undefined);
    throw e;
  }
}
