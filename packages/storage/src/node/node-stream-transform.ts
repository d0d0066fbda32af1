import type { Readable, Writable } from 'node:stream';

/** A Node stream pair seen as one byte transform: `input` takes bytes in, `output` gives bytes out. */
export interface NodeTransformParts {
  input: Writable;
  output: Readable;
  /** Settles when the work is over: resolves on success, rejects with the error to report. */
  finished: Promise<void>;
  /** Tear the work down (kill the child, destroy the zlib stream). */
  stop: () => void;
}

/**
 * Wrap Node streams as a Web TransformStream with backpressure both ways. The readable side
 * closes only once `output` ended *and* `finished` resolved, so a failure reported late
 * (a child's exit status) still errors the stream; a writer blocked on a dead pipe wakes up
 * with that failure instead of hanging. `start` runs on first use (a write, a read or a
 * close), so a transform that is made but never used spawns no process.
 */
export function transformFromNodeStreams(start: () => NodeTransformParts): TransformStream<Uint8Array, Uint8Array> {
  let parts: NodeTransformParts | undefined;
  let outcome!: Promise<void>;
  let failure: { error: unknown } | undefined;
  let inputError: unknown;
  let waiter: (() => void) | undefined;
  let settled = false;
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const wake = () => {
    const w = waiter;
    waiter = undefined;
    w?.();
  };
  const settle = (how: 'close' | { error: unknown }) => {
    if (settled) return;
    settled = true;
    if (how === 'close') controller.close();
    else controller.error(how.error);
  };

  const started = (): NodeTransformParts => {
    if (parts) return parts;
    const p = (parts = start());
    outcome = p.finished.then(
      () => undefined,
      (error: unknown) => {
        failure ??= { error };
        wake();
        throw error;
      },
    );
    outcome.catch(() => undefined);
    p.input.on('error', (e) => {
      inputError ??= e;
      wake();
    });
    p.input.on('drain', wake);
    let ended = false;
    let succeeded = false;
    p.output.on('data', (d: Buffer) => {
      if (settled) return;
      controller.enqueue(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
      if ((controller.desiredSize ?? 1) <= 0) p.output.pause();
    });
    p.output.on('end', () => {
      ended = true;
      if (succeeded) settle('close');
    });
    p.output.on('error', () => undefined);
    outcome.then(
      () => {
        succeeded = true;
        if (ended) settle('close');
      },
      (error: unknown) => settle({ error }),
    );
    return p;
  };

  // Once the pipe broke, the real cause (xz's message and exit status) arrives with `finished`.
  const causeOfBrokenInput = () =>
    outcome.then(
      () => inputError,
      (e: unknown) => e,
    );
  const throwIfBroken = async () => {
    if (failure) throw failure.error;
    if (inputError !== undefined) throw await causeOfBrokenInput();
  };

  const readable = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
      },
      pull() {
        started().output.resume();
      },
      cancel() {
        settled = true;
        parts?.stop();
      },
    },
    // No read-ahead before the first read, so merely creating the transform starts nothing.
    { highWaterMark: 0 },
  );

  const writable = new WritableStream<Uint8Array>({
    async write(chunk) {
      const { input } = started();
      await throwIfBroken();
      if (input.write(chunk)) return;
      await new Promise<void>((resolve) => (waiter = resolve));
      await throwIfBroken();
    },
    close() {
      const { input } = started();
      if (inputError === undefined && !failure) input.end();
    },
    abort(reason) {
      failure ??= { error: reason };
      settle({ error: reason });
      parts?.stop();
    },
  });

  return { readable, writable };
}
