import { Worker } from 'node:worker_threads';

/**
 * The thread's code, run with `eval: true` so it needs no file of its own (the same under tsup's
 * dist and vitest's src). Requests are handled strictly in order; every one gets exactly one reply.
 */
const THREAD_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const hashes = new Map();
parentPort.on('message', (m) => {
  try {
    if (m.op === 'update') {
      let h = hashes.get(m.hash);
      if (!h) {
        h = createHash(m.algorithm);
        hashes.set(m.hash, h);
      }
      h.update(new Uint8Array(m.buffer, 0, m.length));
      parentPort.postMessage({ request: m.request });
    } else if (m.op === 'digest') {
      const h = hashes.get(m.hash) ?? createHash(m.algorithm);
      hashes.delete(m.hash);
      parentPort.postMessage({ request: m.request, hex: h.digest('hex') });
    } else if (m.op === 'drop') {
      hashes.delete(m.hash);
    } else {
      throw new Error('unknown hash thread request ' + m.op);
    }
  } catch (e) {
    hashes.delete(m.hash);
    parentPort.postMessage({ request: m.request, error: e instanceof Error ? e.message : String(e) });
  }
});
`;

type Algorithm = 'sha256' | 'sha512';

interface Reply {
  request: number;
  hex?: string;
  error?: string;
}

interface Pending {
  resolve: (hex: string | undefined) => void;
  reject: (e: Error) => void;
}

/** One digest being computed on a {@link HashThread}, fed in order. */
export interface ThreadHash {
  /**
   * Hash the first `length` bytes of `buffer`. The thread reads the shared memory itself (no
   * copy): the buffer must not change until the returned promise settles.
   */
  update(buffer: SharedArrayBuffer, length: number): Promise<void>;
  /** The hex digest of everything fed so far; the hash is done afterwards. */
  hex(): Promise<string>;
  /** Give up this hash (after an error): the thread forgets it. */
  abandon(): void;
}

/**
 * A worker thread that computes SHA digests over shared buffers, so a blob's hashing runs on the
 * second core while the main thread reads the network and writes the file. The thread starts on
 * first use and does not keep the process alive when idle; if it dies, every hash in flight fails
 * with the reason and the next hash starts a new thread.
 */
export class HashThread {
  private current: ThreadState | undefined;
  private nextRequest = 1;
  private nextHash = 1;

  constructor(
    /**
     * The thread stops after this long without a hash in progress (its ~10 MB go back, a later
     * hash starts a new one); 0 keeps it until `terminate`.
     */
    private readonly idleMs = 0,
  ) {}

  /** A new hash of `algorithm`, computed on the thread (started now unless it runs already). */
  create(algorithm: Algorithm = 'sha256'): ThreadHash {
    const hash = this.nextHash++;
    // A hash lives in one thread: if that thread dies, its state is gone and the hash fails for good.
    const state = this.started();
    state.live++;
    if (state.idleTimer) clearTimeout(state.idleTimer);
    state.idleTimer = undefined;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      if (--state.live === 0) this.stopWhenIdle(state);
    };
    return {
      update: async (buffer, length) => {
        await this.request(state, { op: 'update', hash, algorithm, buffer, length });
      },
      hex: async () => {
        try {
          const hex = await this.request(state, { op: 'digest', hash, algorithm });
          if (hex === undefined) throw new Error('hash thread answered a digest request without a digest');
          return hex;
        } finally {
          finish();
        }
      },
      abandon: () => {
        if (finished) return;
        finish();
        if (state.gone) return;
        state.worker.postMessage({ op: 'drop', hash, request: 0 });
      },
    };
  }

  /** Once no hash is in progress for `idleMs`, the thread stops (only the current one, only if still idle). */
  private stopWhenIdle(state: ThreadState): void {
    if (this.idleMs <= 0 || state.gone || this.current !== state) return;
    state.idleTimer = setTimeout(() => {
      state.idleTimer = undefined;
      if (state.live > 0 || state.pending.size > 0 || state.gone || this.current !== state) return;
      this.current = undefined;
      state.gone = new Error('hash thread stopped when idle');
      void state.worker.terminate();
    }, this.idleMs);
    state.idleTimer.unref();
  }

  /** True while a thread is up (started and neither terminated nor dead). */
  get running(): boolean {
    return this.current !== undefined && !this.current.gone;
  }

  /**
   * Start the thread now rather than on the first hash, so the first big blob does not wait for a
   * worker to boot. It does not keep the process alive.
   */
  start(): void {
    this.started();
  }

  /**
   * Stop the thread; hashes in flight fail once it has stopped (so no buffer is still being read
   * when its owner hears of the failure), and so does every later use of their hashes. A later
   * `create` starts a new thread.
   */
  async terminate(): Promise<void> {
    const state = this.current;
    if (!state) return;
    this.current = undefined;
    if (state.idleTimer) clearTimeout(state.idleTimer);
    // New requests fail at once; those in flight only when the thread can no longer read their buffers.
    state.gone ??= new Error('hash thread terminated');
    await state.worker.terminate();
    end(state, state.gone);
  }

  private request(state: ThreadState, message: Record<string, unknown>): Promise<string | undefined> {
    if (state.gone) return Promise.reject(state.gone);
    const request = this.nextRequest++;
    return new Promise<string | undefined>((resolve, reject) => {
      state.pending.set(request, { resolve, reject });
      // Only while a reply is awaited may the thread keep the process alive.
      if (state.pending.size === 1) state.worker.ref();
      state.worker.postMessage({ ...message, request });
    });
  }

  private started(): ThreadState {
    if (this.current && !this.current.gone) return this.current;
    // The thread only holds a few hash states: a 1 MB young generation keeps its resident memory ~3 MB lower than V8's default.
    const worker = new Worker(THREAD_SOURCE, { eval: true, resourceLimits: { maxYoungGenerationSizeMb: 1 } });
    const state: ThreadState = { worker, pending: new Map(), gone: undefined, live: 0, idleTimer: undefined };
    worker.unref();
    worker.on('message', (reply: Reply) => {
      const waiter = state.pending.get(reply.request);
      if (!waiter) return;
      state.pending.delete(reply.request);
      if (state.pending.size === 0) worker.unref();
      if (reply.error !== undefined) waiter.reject(new Error(`hash thread: ${reply.error}`));
      else waiter.resolve(reply.hex);
    });
    // The thread is gone: nothing it owed will come, so every waiter hears why.
    const gone = (reason: Error) => {
      if (this.current === state) this.current = undefined;
      end(state, reason);
    };
    worker.on('error', gone);
    worker.on('exit', (code) => gone(new Error(`hash thread exited with code ${code}`)));
    this.current = state;
    // A thread started ahead of its first hash (start()) stops too if that hash never comes.
    this.stopWhenIdle(state);
    return state;
  }
}

interface ThreadState {
  worker: Worker;
  pending: Map<number, Pending>;
  /** Why the thread is gone; set once. */
  gone: Error | undefined;
  /** Hashes created on this thread and neither digested nor abandoned. */
  live: number;
  /** Set while the thread waits, idle, to be stopped. */
  idleTimer: ReturnType<typeof setTimeout> | undefined;
}

function end(state: ThreadState, reason: Error): void {
  state.gone ??= reason;
  rejectAll(state.pending, state.gone);
}

function rejectAll(pending: Map<number, Pending>, reason: Error): void {
  const waiters = [...pending.values()];
  pending.clear();
  for (const w of waiters) w.reject(reason);
}

/**
 * The process's hashing thread, shared by every store that hashes with node:crypto. It stops after
 * 30 s without a hash: a daemon that loaded or saved an image does not keep it for good.
 */
export const sharedHashThread = new HashThread(30_000);
