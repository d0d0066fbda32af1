import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type GcFunction = (options?: { type?: 'minor' | 'major'; execution?: 'sync' | 'async' }) => void;

let gc: GcFunction | undefined | null;

/** V8's gc(), exposed on first use (null when this V8 refuses). */
function gcFunction(): GcFunction | null {
  if (gc !== undefined) return gc;
  try {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as GcFunction;
  } catch {
    gc = null;
  }
  return gc;
}

/**
 * Bytes of blobs streamed into the store since the last minor collection. Each chunk on the
 * way (socket reads, zlib output) is an ArrayBuffer outside V8's heap behind a tiny wrapper, so
 * the young generation fills only after hundreds of MB have passed, and V8 lets dead buffers
 * pile up (tens of MB) before it collects. A scavenge per MiB (a fraction of a millisecond: few
 * young objects survive) frees them while they are few: a 1 GB pull peaked ~30 MB lower.
 */
let streamed = 0;
const EVERY = 1 << 20;

/** Count `bytes` of a blob just streamed; every MiB, a minor (young generation) collection. */
export function streamedBytes(bytes: number): void {
  streamed += bytes;
  if (streamed < EVERY) return;
  streamed = 0;
  gcFunction()?.({ type: 'minor' });
}
