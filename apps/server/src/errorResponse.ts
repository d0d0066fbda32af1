import { isStrataError, type ErrorKind } from '@strata/core';

const statusByKind: Record<ErrorKind, number> = {
  'not-found': 404,
  conflict: 409,
  invalid: 400,
  'not-modified': 304,
  unauthorized: 401,
  forbidden: 403,
  unavailable: 503,
  internal: 500,
};

/** The HTTP status dockerd would answer for an error thrown by the engine. */
export function statusOfError(err: unknown): number {
  if (err instanceof HttpError) return err.status;
  if (isStrataError(err)) return statusByKind[err.kind] ?? 500;
  return 500;
}

/** An error raised by the HTTP layer itself (bad query, unsupported feature) with its status. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'HttpError';
  }
}

/**
 * `{"message": ...}` with `Content-Type: application/json` exactly: the CLI prints the raw body
 * instead of the message when a charset parameter is present. 304 carries no body at all.
 */
export function errorResponse(status: number, message: string): Response {
  if (status === 304) return new Response(null, { status });
  return new Response(JSON.stringify({ message }) + '\n', {
    status,
    headers: { 'Content-Type': 'application/json' },
  });
}

/** The error response for anything a route throws. */
export function responseForError(err: unknown): Response {
  const message = err instanceof Error ? err.message : String(err);
  return errorResponse(statusOfError(err), message);
}
