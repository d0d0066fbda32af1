/**
 * Re-chunk a byte stream so small chunks travel together, in pieces of about `size` bytes.
 * Sockets deliver 64 KiB at a time; every stream hop costs per chunk, so big pieces make a
 * long pipeline (decompress, tar, hash, store) cheaper at the price of one copy.
 */
export function coalesceChunks(size = 1 << 20): TransformStream<Uint8Array, Uint8Array> {
  let parts: Uint8Array[] = [];
  let held = 0;
  const flushTo = (c: TransformStreamDefaultController<Uint8Array>) => {
    if (held === 0) return;
    if (parts.length === 1) c.enqueue(parts[0]);
    else {
      const out = new Uint8Array(held);
      let o = 0;
      for (const p of parts) {
        out.set(p, o);
        o += p.byteLength;
      }
      c.enqueue(out);
    }
    parts = [];
    held = 0;
  };
  return new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, c) {
      // Big pieces pass as they are (after what was held): only small ones are copied together.
      if (chunk.byteLength >= size / 4) {
        flushTo(c);
        return c.enqueue(chunk);
      }
      parts.push(chunk);
      held += chunk.byteLength;
      if (held >= size) flushTo(c);
    },
    flush: flushTo,
  });
}
