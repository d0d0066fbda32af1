import { StrataError } from '../errors/index.js';

/** A build stopped by its caller's AbortSignal; the message is the one dockerd's builder ends with when its context is cancelled. */
export class BuildCancelled extends StrataError {
  constructor() {
    super('invalid', 'context canceled');
  }
}

/** Throws BuildCancelled once `signal` has aborted (checked between steps). */
export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new BuildCancelled();
}
