import * as crypto from 'node:crypto';
import { createHash } from 'node:crypto';
import type { Hasher } from '@strata/core';

/** Hasher port on node:crypto (OpenSSL, hardware SHA where the CPU has it). */
export const nodeHasher: Hasher = {
  create(algorithm = 'sha256') {
    const h = createHash(algorithm);
    return {
      update: (bytes) => void h.update(bytes),
      hex: () => h.digest('hex'),
    };
  },
  // crypto.hash (Node 20.12+) skips the Hash object: a third of the cost for small inputs.
  ...(typeof (crypto as { hash?: unknown }).hash === 'function'
    ? { sha256Hex: (bytes: Uint8Array) => (crypto as unknown as { hash(alg: string, data: Uint8Array, enc: 'hex'): string }).hash('sha256', bytes, 'hex') }
    : {}),
};
