import * as zlib from 'node:zlib';
import { type DeflateRaw, constants, createDeflateRaw } from 'node:zlib';
import { invalid } from '@strata/core';

/** zlib.crc32 arrived in Node 20.15; without it, callers use plain gzip. */
const crc32: ((data: Uint8Array, value?: number) => number) | undefined = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/** True when this Node can run {@link adaptiveGzip}. */
export const adaptiveGzipAvailable = typeof crc32 === 'function';

/** Bytes judged at once: each segment is either deflated or stored as it is. */
const SEGMENT = 16 * 1024;
/** Every 16th byte of a segment goes into its histogram (1,024 samples). */
const SAMPLE_STRIDE = 16;
/**
 * Sampled entropy (bits per byte) from which a segment counts as incompressible: random and
 * already-compressed bytes sample at ~7.8, text at 4-5, machine code at 5-6.5.
 */
const STORED_ENTROPY = 7.5;
/**
 * Deflate level of the compressible runs: on binaries (a tar of /usr/lib) level 3 runs 2.4x as
 * fast as dockerd's level 6 for blobs ~3 % larger; level 1 is no faster and ~9 % larger.
 */
const LEVEL = 3;
/** Largest stored block deflate allows (LEN is 16 bits). */
const STORED_MAX = 65535;

// gzip header: magic, deflate, no flags, no mtime, no extra flags, OS unix (RFC 1952).
const GZIP_HEADER = Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3);
// The final block: empty and stored (BFINAL=1, BTYPE=00, LEN=0, NLEN=0xffff).
const FINAL_BLOCK = Uint8Array.of(1, 0, 0, 0xff, 0xff);

const log2 = new Float64Array(SEGMENT / SAMPLE_STRIDE + 1).map((_, i) => (i > 0 ? Math.log2(i) : 0));
const histogram = new Uint32Array(256);

/** True when a segment's sampled byte entropy says deflate would find nothing in it. */
export function looksIncompressible(segment: Uint8Array): boolean {
  histogram.fill(0);
  let n = 0;
  for (let i = 0; i < segment.byteLength; i += SAMPLE_STRIDE, n++) histogram[segment[i]]++;
  // Too few samples to tell: deflate decides.
  if (n < 256) return false;
  const logN = Math.log2(n);
  let bits = 0;
  for (let b = 0; b < 256; b++) {
    const c = histogram[b];
    if (c) bits -= c * (log2[c] - logN);
  }
  return bits / n > STORED_ENTROPY;
}

/** A stored (uncompressed) deflate block header for `length` bytes, BFINAL clear. */
function storedHeader(length: number): Uint8Array {
  return Uint8Array.of(0, length & 0xff, length >>> 8, ~length & 0xff, (~length >>> 8) & 0xff);
}

/**
 * gzip compression that stores incompressible segments (random or already-compressed bytes)
 * as stored deflate blocks instead of running deflate's match search over them, which costs
 * as much as compressing and gains nothing; compressible runs go through zlib's deflate (on
 * the thread pool), each ended by a sync flush so that the stream stays byte-aligned. Any
 * gzip reader decodes the result (it is plain RFC 1951/1952); the CRC and size trailer are
 * computed on the way.
 */
export function adaptiveGzip(): TransformStream<Uint8Array, Uint8Array> {
  let deflater: DeflateRaw | undefined;
  let failure: Error | undefined;
  /** True while the deflater holds bytes of a run not yet flushed out. */
  let open = false;
  let crc = 0;
  let size = 0;
  let out!: TransformStreamDefaultController<Uint8Array>;

  const deflate = (): DeflateRaw => {
    if (deflater) return deflater;
    const d = createDeflateRaw({ level: LEVEL, chunkSize: 256 * 1024 });
    d.on('data', (chunk: Buffer) => out.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
    d.on('error', (e) => (failure ??= invalid(`gzip compression failed: ${e.message}`, e)));
    return (deflater = d);
  };
  const check = () => {
    if (failure) throw failure;
  };
  /** Write a compressible run, waiting when zlib's queue is full. */
  const compress = async (run: Uint8Array) => {
    const d = deflate();
    open = true;
    if (!d.write(run)) await new Promise<void>((resolve) => d.once('drain', resolve).once('error', () => resolve()));
    check();
  };
  /**
   * End the run: its bytes come out byte-aligned, and the deflater forgets them, because the
   * stored bytes that follow sit between them and any later match in the reader's window.
   */
  const closeRun = async () => {
    if (!open) return;
    open = false;
    const d = deflater!;
    await new Promise<void>((resolve) => {
      d.once('error', () => resolve());
      d.flush(constants.Z_SYNC_FLUSH, () => resolve());
    });
    check();
    d.reset();
  };
  const store = async (bytes: Uint8Array) => {
    await closeRun();
    for (let o = 0; o < bytes.byteLength; o += STORED_MAX) {
      const piece = bytes.subarray(o, Math.min(bytes.byteLength, o + STORED_MAX));
      out.enqueue(storedHeader(piece.byteLength));
      out.enqueue(piece);
    }
  };

  return new TransformStream<Uint8Array, Uint8Array>({
    start(controller) {
      out = controller;
      controller.enqueue(GZIP_HEADER);
    },
    async transform(chunk) {
      crc = crc32!(chunk, crc);
      size = (size + chunk.byteLength) >>> 0;
      // Consecutive segments of one kind go together: one write or one run of stored blocks.
      let from = 0;
      let stored = false;
      for (let at = 0; at < chunk.byteLength; at += SEGMENT) {
        const kind = looksIncompressible(chunk.subarray(at, Math.min(chunk.byteLength, at + SEGMENT)));
        if (at > from && kind !== stored) {
          const run = chunk.subarray(from, at);
          await (stored ? store(run) : compress(run));
          from = at;
        }
        stored = kind;
      }
      if (from < chunk.byteLength) {
        const run = chunk.subarray(from);
        await (stored ? store(run) : compress(run));
      }
    },
    async flush(controller) {
      try {
        await closeRun();
      } finally {
        deflater?.close();
      }
      const trailer = new Uint8Array(8);
      const view = new DataView(trailer.buffer);
      view.setUint32(0, crc >>> 0, true);
      view.setUint32(4, size, true);
      controller.enqueue(FINAL_BLOCK);
      controller.enqueue(trailer);
    },
  });
}
