/**
 * The ends of file writes still landing while an extraction reads on: the last batch of a body,
 * its owner, mode and times, and the close, each a trip through libuv's thread pool that used to
 * hold up the next entry. At most `limit` are pending (each holds up to one write batch); the first
 * failure is kept and thrown by `check` and `drain`.
 */
export class PendingFileWrites {
  private readonly pending = new Set<Promise<void>>();
  private failure: { error: unknown } | undefined;

  constructor(private readonly limit = 4) {}

  /** Wait until fewer than `limit` writes are pending; throws the first failure seen. */
  async room(): Promise<void> {
    while (this.pending.size >= this.limit) await Promise.race(this.pending);
    this.check();
  }

  /** Track a write until it settles; its failure is thrown by a later `check`, `room` or `drain`. */
  track(work: Promise<void>): void {
    const tracked: Promise<void> = work
      .catch((e: unknown) => {
        this.failure ??= { error: e };
      })
      .finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  /** Throw the first failure of a tracked write, if one failed. */
  check(): void {
    if (this.failure) throw this.failure.error;
  }

  /** Wait for every tracked write to settle, then throw the first failure, if any. */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
    this.check();
  }
}
