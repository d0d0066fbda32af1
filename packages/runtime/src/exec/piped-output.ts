import type { Readable } from 'node:stream';

type Stream = 'stdout' | 'stderr';

/** A process's stdout and stderr pipes read from the moment it starts, handed out as one ordered sequence of chunks. */
export interface PipedOutput {
  chunks: AsyncIterable<{ stream: Stream; bytes: Uint8Array }>;
  /** Everything read off one stream that nobody has taken yet (runc's error text when it could not start). */
  pendingText(stream: Stream): string;
  /** Resolves once both pipes have ended (the writers are gone). */
  ended: Promise<void>;
  /** Throw away what is read from now on (a detached exec keeps no output). */
  discard(): void;
}

/** Bytes queued before the pipes are paused: the process then blocks on its writes until the client catches up. */
const HIGH_WATER = 1 << 20;

/**
 * Reads both pipes at once from the start (so neither fills up and stalls the process while the
 * other is read), keeping what arrives until the consumer takes it.
 */
export function pipedOutput(stdout: Readable, stderr: Readable): PipedOutput {
  const queue: Array<{ stream: Stream; bytes: Uint8Array }> = [];
  let queued = 0;
  let open = 2;
  let discarding = false;
  let wake: (() => void) | undefined;
  let allEnded!: () => void;
  const ended = new Promise<void>((resolve) => (allEnded = resolve));
  const pipes = [stdout, stderr];
  const signal = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const follow = (pipe: Readable, stream: Stream) => {
    pipe.on('data', (b: Buffer) => {
      if (discarding) return;
      queue.push({ stream, bytes: new Uint8Array(b.buffer, b.byteOffset, b.byteLength) });
      queued += b.byteLength;
      if (queued > HIGH_WATER) for (const p of pipes) p.pause();
      signal();
    });
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      open--;
      if (open === 0) allEnded();
      signal();
    };
    pipe.on('end', end);
    pipe.on('close', end);
    pipe.on('error', end);
  };
  follow(stdout, 'stdout');
  follow(stderr, 'stderr');
  return {
    chunks: {
      async *[Symbol.asyncIterator]() {
        try {
          for (;;) {
            const next = queue.shift();
            if (next) {
              queued -= next.bytes.byteLength;
              if (queued <= HIGH_WATER / 2) for (const p of pipes) p.resume();
              yield next;
              continue;
            }
            if (open === 0) return;
            await new Promise<void>((resolve) => (wake = resolve));
          }
        } finally {
          // A consumer that stops early (detach) must not leave the process blocked on a full pipe.
          discarding = true;
          queue.length = 0;
          for (const p of pipes) p.resume();
        }
      },
    },
    ended,
    pendingText: (stream) =>
      Buffer.concat(queue.filter((c) => c.stream === stream).map((c) => c.bytes)).toString('utf8'),
    discard: () => {
      discarding = true;
      queue.length = 0;
      queued = 0;
      for (const p of pipes) p.resume();
    },
  };
}
