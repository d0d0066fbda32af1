import { invalid } from '../errors/index.js';

/** The error of an archive that ends inside a header, body or padding (Go's io.ErrUnexpectedEOF). */
export const unexpectedEof = (offset: number) => invalid('unexpected EOF', new Error(`tar stream ended at byte ${offset}`));

/**
 * Pull-based reader over a byte stream with exact-length reads, whatever the chunk boundaries.
 * Bodies are handed out as subarrays of the source chunks (no copy); headers are copied.
 */
export class ByteQueue {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private ended = false;
  /** Bytes consumed so far (the position in the archive). */
  offset = 0;

  constructor(source: ReadableStream<Uint8Array>) {
    this.reader = source.getReader();
  }

  private async fill(): Promise<boolean> {
    if (this.ended) return false;
    const { done, value } = await this.reader.read();
    if (done) {
      this.ended = true;
      return false;
    }
    if (value.byteLength > 0) {
      this.chunks.push(value);
      this.buffered += value.byteLength;
    }
    return true;
  }

  /** Exactly n bytes (a copy), fewer only when the stream ended first. */
  async read(n: number): Promise<Uint8Array> {
    while (this.buffered < n && (await this.fill()));
    const out = new Uint8Array(Math.min(n, this.buffered));
    let o = 0;
    while (o < out.length) {
      const head = this.chunks[0];
      const take = Math.min(head.byteLength, out.length - o);
      out.set(head.subarray(0, take), o);
      this.consume(take);
      o += take;
    }
    return out;
  }

  /** Exactly n bytes or the unexpected-EOF error. */
  async readExact(n: number): Promise<Uint8Array> {
    const out = await this.read(n);
    if (out.length < n) throw unexpectedEof(this.offset);
    return out;
  }

  /** Between 1 and max bytes without copying; undefined at the end of the stream. */
  async readSome(max: number): Promise<Uint8Array | undefined> {
    while (this.buffered === 0) if (!(await this.fill())) return undefined;
    const head = this.chunks[0];
    const take = Math.min(head.byteLength, max);
    const out = head.subarray(0, take);
    this.consume(take);
    return out;
  }

  /** Discard exactly n bytes, or throw unexpected EOF. */
  async skip(n: number): Promise<void> {
    let left = n;
    while (left > 0) {
      const got = await this.readSome(left);
      if (!got) throw unexpectedEof(this.offset);
      left -= got.byteLength;
    }
  }

  /** Everything that is left, copied into one array; more than `limit` bytes is refused as hostile. */
  async rest(limit: number): Promise<Uint8Array> {
    while (this.buffered <= limit && (await this.fill()));
    if (this.buffered > limit) throw invalid(`archive/tar: more than ${limit} bytes of data after the end-of-archive blocks`);
    return this.read(this.buffered);
  }

  async cancel(reason?: unknown): Promise<void> {
    this.chunks = [];
    this.buffered = 0;
    await this.reader.cancel(reason);
  }

  private consume(n: number): void {
    const head = this.chunks[0];
    if (n === head.byteLength) this.chunks.shift();
    else this.chunks[0] = head.subarray(n);
    this.buffered -= n;
    this.offset += n;
  }
}
