import { invalid, parseDigest, type BlobExpectation, type Digest } from '@strata/core';

/** The hash algorithm a write must use: the expected digest's, sha256 when none is expected. */
export function algorithmFor(expected: BlobExpectation | undefined): 'sha256' | 'sha512' {
  if (expected?.digest === undefined) return 'sha256';
  const alg = parseDigest(expected.digest).split(':')[0];
  return alg === 'sha512' ? 'sha512' : 'sha256';
}

/** Throw when more bytes arrived than the expectation allows (checked while streaming). */
export function checkSizeSoFar(expected: BlobExpectation | undefined, sizeSoFar: number): void {
  if (expected?.size !== undefined && sizeSoFar > expected.size) throw sizeMismatch(expected.size, sizeSoFar, true);
}

/** Throw StrataError('invalid') in Docker's words when the written bytes do not match. */
export function verifyBlob(expected: BlobExpectation | undefined, actual: { digest: Digest; size: number }): void {
  verifySize(expected, actual.size);
  if (expected?.digest !== undefined && actual.digest !== expected.digest) {
    throw invalid(`digest mismatch: expected ${expected.digest}, got ${actual.digest}`);
  }
}

/** Throw when the complete size differs from the expectation. */
export function verifySize(expected: BlobExpectation | undefined, size: number): void {
  if (expected?.size !== undefined && size !== expected.size) throw sizeMismatch(expected.size, size, false);
}

const sizeMismatch = (want: number, got: number, atLeast: boolean) =>
  invalid(`size mismatch: expected ${want} bytes, got ${atLeast ? 'more than that' : `${got} bytes`}`);

/** Reject malformed sizes and digests before any byte is written. */
export function checkExpectation(expected: BlobExpectation | undefined): void {
  if (expected?.digest !== undefined) parseDigest(expected.digest);
  if (expected?.size !== undefined && (!Number.isSafeInteger(expected.size) || expected.size < 0)) {
    throw invalid(`invalid blob size: ${expected.size}`);
  }
}

/**
 * True when the source vouches for the expected digest and size itself (see
 * `BlobExpectation.verifiedBySource`), so the store counts the bytes but does not hash them.
 */
export function sourceVerifies(expected: BlobExpectation | undefined): expected is BlobExpectation & { digest: Digest; size: number } {
  return expected?.verifiedBySource === true && expected.digest !== undefined && expected.size !== undefined;
}
