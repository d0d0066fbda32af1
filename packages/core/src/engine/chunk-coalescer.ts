/**
 * Gathers small chunks (64 KiB socket reads) into chunks of at least `bytes` before a stage that
 * pays per chunk: a decompressor on a thread pool costs one round trip per chunk, and on a busy
 * machine each round trip waits for a core. Chunks already that big pass through uncopied.
 */
export function chunkCoalescer(bytes: number): TransformStream<Uint8Array, Uint8Array> {
  let held: Uint8Array[] = [];
  let heldBytes = 0;
  const release = (c: TransformStreamDefaultController<Uint8Array>) => {
    if (heldBytes === 0) return;
    if (held.length === 1) c.enqueue(held[0]);
    else {
      const joined = new Uint8Array(heldBytes);
      let at = 0;
      for (const h of held) {
        joined.set(h, at);
        at += h.byteLength;
      }
      c.enqueue(joined);
    }
    held = [];
    heldBytes = 0;
  };
  return new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, c) {
      if (chunk.byteLength === 0) return;
      held.push(chunk);
      heldBytes += chunk.byteLength;
      if (heldBytes >= bytes) release(c);
    },
    flush(c) {
      release(c);
    },
  });
}
