import type { ErrorKind } from '@strata/core';

/**
 * Whether `e` is an engine error of `kind` (core's StrataError, or the client's from a Docker API
 * answer). Read from the error itself rather than with core's `isStrataError`, so that the view
 * models load none of the engine's code: the app draws its first frame before the engine is loaded.
 */
export function hasErrorKind(e: unknown, kind: ErrorKind): boolean {
  return e instanceof Error && (e as Error & { kind?: unknown }).kind === kind;
}
