import type { FsTree } from './fs-tree.js';

// A fully cached rebuild sends the same context again, byte for byte. Reading it into a tree (tar
// headers, paths, the COPY tarsum of every file) is most of the engine's work in such a build, so
// the last contexts read are remembered with their bytes: the incoming bytes are compared as they
// arrive, and a context that matches one to its last byte gets that tree back without a parse.
// The first byte that differs ends the comparison and the context is read as usual.

const MAX_REMEMBERED_BYTES = 32 * 1024 * 1024;

interface Remembered {
  chunks: Uint8Array[];
  size: number;
  /** Kept as read (before .dockerignore): callers get clones. */
  tree: FsTree;
}

/** The last few build contexts read, by their bytes (see contextTree). */
export class ContextMemo {
  private remembered: Remembered[] = [];

  constructor(private readonly capacity = 2) {}

  /** Remembers a context read from `chunks` (which must never change afterwards) as `tree`. */
  remember(chunks: Uint8Array[], size: number, tree: FsTree): void {
    if (size > MAX_REMEMBERED_BYTES) return;
    this.remembered = [{ chunks, size, tree: tree.clone() }, ...this.remembered].slice(0, this.capacity);
  }

  /** Follows a context as it arrives against every remembered one. */
  follow(): ContextMatch {
    return new ContextMatch(this.remembered);
  }
}

/** The remembered contexts that the bytes seen so far still match. */
export class ContextMatch {
  private candidates: Array<{ r: Remembered; index: number; offset: number }>;
  private seen = 0;

  constructor(remembered: Remembered[]) {
    this.candidates = remembered.map((r) => ({ r, index: 0, offset: 0 }));
  }

  /** Whether some remembered context still matches after `chunk`. */
  push(chunk: Uint8Array): boolean {
    this.seen += chunk.byteLength;
    this.candidates = this.candidates.filter((c) => advance(c, chunk));
    return this.candidates.length > 0;
  }

  /** A clone of the remembered tree whose bytes were exactly those seen, if any. */
  tree(): FsTree | undefined {
    const whole = this.candidates.find((c) => c.r.size === this.seen);
    return whole?.r.tree.clone();
  }
}

/** Compares `chunk` with the remembered bytes at the candidate's position and moves past them. */
function advance(c: { r: Remembered; index: number; offset: number }, chunk: Uint8Array): boolean {
  let at = 0;
  while (at < chunk.byteLength) {
    const own = c.r.chunks[c.index];
    if (!own) return false;
    const n = Math.min(own.byteLength - c.offset, chunk.byteLength - at);
    if (!sameBytes(own, c.offset, chunk, at, n)) return false;
    at += n;
    c.offset += n;
    if (c.offset === own.byteLength) {
      c.index++;
      c.offset = 0;
    }
  }
  return true;
}

/** Whether a[ai..ai+n) equals b[bi..bi+n): four bytes at a time where both sides are aligned alike. */
function sameBytes(a: Uint8Array, ai: number, b: Uint8Array, bi: number, n: number): boolean {
  let i = 0;
  const skew = (a.byteOffset + ai) & 3;
  if (skew === ((b.byteOffset + bi) & 3) && n >= 64) {
    const lead = (4 - skew) & 3;
    for (; i < lead; i++) if (a[ai + i] !== b[bi + i]) return false;
    const words = (n - lead) >>> 2;
    const wa = new Uint32Array(a.buffer, a.byteOffset + ai + lead, words);
    const wb = new Uint32Array(b.buffer, b.byteOffset + bi + lead, words);
    for (let w = 0; w < words; w++) if (wa[w] !== wb[w]) return false;
    i = lead + words * 4;
  }
  for (; i < n; i++) if (a[ai + i] !== b[bi + i]) return false;
  return true;
}
