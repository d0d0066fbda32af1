import type { Digest } from '../digest/index.js';

/**
 * A layer's snapshot unpacked while the engine writes the layer's tar itself (a build step's COPY
 * or WORKDIR), so a later RUN mounts it without unpacking the blob again. The tar must already be
 * in overlayfs form: no whiteouts, no opaque markers, no `trusted.*` xattrs. The snapshot becomes
 * visible only on commit, under the chainID of the stack it tops; it stays what unpacking the
 * stored blob would give, so it can be dropped and made again from the blob at any time.
 */
export interface SnapshotDraft {
  /** The next bytes of the layer tar. */
  write(chunk: Uint8Array): Promise<void>;
  /** The tar is complete and its blob stored: keep the snapshot for this stack (diffIDs, bottom first, this layer last). */
  commit(diffIds: readonly Digest[]): Promise<void>;
  /** Drop what was unpacked (the step failed, or its layer turned out empty). */
  abort(): Promise<void>;
}
