/** One staging buffer of a blob write: shared memory, so the hash thread reads it in place. */
export interface WriteBuffer {
  shared: SharedArrayBuffer;
  bytes: Buffer;
}

/**
 * Staging buffers kept between blob writes: a load writes many blobs, and fresh multi-MiB
 * buffers per blob are allocation (zero-fill) and garbage-collector work for nothing.
 */
export class WriteBufferPool {
  private readonly free: WriteBuffer[] = [];

  constructor(
    /** Bytes per buffer. */
    readonly size: number,
    /** Buffers kept when idle; more may be lent out at once. */
    private readonly keep: number,
  ) {}

  /** A buffer for the caller alone until it is given back. */
  take(): WriteBuffer {
    const reused = this.free.pop();
    if (reused) return reused;
    const shared = new SharedArrayBuffer(this.size);
    return { shared, bytes: Buffer.from(shared) };
  }

  /** Return a buffer nobody reads or writes any more. */
  give(buffer: WriteBuffer): void {
    if (this.free.length < this.keep && buffer.shared.byteLength === this.size) this.free.push(buffer);
  }
}
