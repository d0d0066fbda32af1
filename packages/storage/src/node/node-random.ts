import { randomBytes } from 'node:crypto';
import type { Random } from '@strata/core';

/** Random port on the kernel's CSPRNG (IDs must not collide across engines). */
export const nodeRandom: Random = {
  bytes: (n) => {
    const buf = randomBytes(n);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  },
};
