// Test-only ports backed by Node (excluded from the pure build by tsconfig.json).
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Hasher } from '../src/digest/index.js';

export const nodeHasher: Hasher = {
  create(algorithm = 'sha256') {
    const h = createHash(algorithm);
    return {
      update: (b) => void h.update(b),
      hex: () => h.digest('hex'),
    };
  },
};

export const nodeRandom = { bytes: (n: number) => new Uint8Array(randomBytes(n)) };

/** Absolute path of ../shared/fixtures (the workspace's sibling folder). */
export const fixturesDir = join(dirname(fileURLToPath(import.meta.url)), '../../../../shared/fixtures');

export const fixtureImages = ['01-base', '02-whiteout', '03-opaque', '04-links', '05-perms', '06-multistage', '07-metadata'] as const;

export const readFixture = (rel: string): Uint8Array => new Uint8Array(readFileSync(join(fixturesDir, rel)));

/** A ReadableStream over bytes in chunks of `chunk` bytes (to exercise chunk boundaries). */
export function streamOf(bytes: Uint8Array, chunk = 65536): ReadableStream<Uint8Array> {
  let off = 0;
  return new ReadableStream({
    pull(c) {
      if (off >= bytes.length) return c.close();
      c.enqueue(bytes.subarray(off, off + chunk));
      off += chunk;
    },
  });
}

export async function collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let n = 0;
  for await (const p of stream as unknown as AsyncIterable<Uint8Array>) { parts.push(p); n += p.length; }
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}
