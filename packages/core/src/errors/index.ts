/** What went wrong, in the terms the front ends map to status codes (see architecture.md, Errors). */
export type ErrorKind =
  | 'not-found'
  | 'conflict'
  | 'invalid'
  | 'not-modified'
  | 'unauthorized'
  | 'forbidden'
  | 'unavailable'
  | 'internal';

/** An error a user can act on: a kind for the status code and a message in Docker's words. */
export class StrataError extends Error {
  readonly kind: ErrorKind;

  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StrataError';
    this.kind = kind;
  }
}

export const notFound = (message: string): StrataError => new StrataError('not-found', message);
export const conflict = (message: string): StrataError => new StrataError('conflict', message);
export const invalid = (message: string, cause?: unknown): StrataError =>
  new StrataError('invalid', message, cause === undefined ? undefined : { cause });
export const unavailable = (message: string): StrataError => new StrataError('unavailable', message);

/** True when `e` is a StrataError of the given kind (or of any kind when none is given). */
export function isStrataError(e: unknown, kind?: ErrorKind): e is StrataError {
  return e instanceof StrataError && (kind === undefined || e.kind === kind);
}
