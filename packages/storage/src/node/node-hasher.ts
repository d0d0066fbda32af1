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
};
