import { describe, expect, it } from 'vitest';
import { chunkCoalescer } from './chunk-coalescer.js';

async function through(chunks: Uint8Array[], bytes: number): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  const source = new ReadableStream<Uint8Array>({
    start(c) {
      for (const x of chunks) c.enqueue(x);
      c.close();
    },
  });
  await source.pipeThrough(chunkCoalescer(bytes)).pipeTo(new WritableStream({ write: (c) => void out.push(c) }));
  return out;
}

const bytes = (n: number, from: number) => Uint8Array.from({ length: n }, (_, i) => (from + i) & 0xff);

describe('chunkCoalescer', () => {
  it('joins small chunks into chunks of at least the size asked, in order, and flushes the rest', async () => {
    const input = [bytes(3, 0), bytes(4, 3), bytes(2, 7), bytes(5, 9), bytes(1, 14)];
    const out = await through(input, 8);
    expect(out.map((c) => c.byteLength)).toEqual([9, 6]);
    expect(Array.from(out[0])).toEqual(Array.from(bytes(9, 0)));
    expect(Array.from(out[1])).toEqual(Array.from(bytes(6, 9)));
  });

  it('passes a chunk that is big enough as it is (same bytes, no copy) and drops empty ones', async () => {
    const big = bytes(20, 0);
    const out = await through([new Uint8Array(0), big, new Uint8Array(0)], 8);
    expect(out).toHaveLength(1);
    expect(out[0]).toBe(big);
    expect(await through([], 8)).toEqual([]);
  });
});
