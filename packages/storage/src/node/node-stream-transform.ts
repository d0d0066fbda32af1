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
 * with that failure instead of hanging.
 */
export function transformFromNodeStreams(parts: NodeTransformParts): TransformStream<Uint8Array, Uint8Array> {
  const { input, output, finished, stop } = parts;
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
  const outcome = finished.then(
    () => undefined,
    (error: unknown) => {
      failure ??= { error };
      wake();
      throw error;
    },
  );
  outcome.catch(() => undefined);
  input.on('error', (e) => {
    inputError ??= e;
    wake();
  });
  input.on('drain', wake);
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
        let ended = false;
        let succeeded = false;
        output.on('data', (d: Buffer) => {
          if (settled) return;
          c.enqueue(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
          if ((c.desiredSize ?? 1) <= 0) output.pause();
        });
        output.on('end', () => {
          ended = true;
          if (succeeded) settle('close');
        });
        output.on('error', () => undefined);
        outcome.then(
          () => {
            succeeded = true;
            if (ended) settle('close');
          },
          (error: unknown) => settle({ error }),
        );
      },
      pull() {
        output.resume();
      },
      cancel() {
        settled = true;
        stop();
      },
    },
    { highWaterMark: 8 },
  );

  const writable = new WritableStream<Uint8Array>({
    async write(chunk) {
      await throwIfBroken();
      if (input.write(chunk)) return;
      await new Promise<void>((resolve) => (waiter = resolve));
      await throwIfBroken();
    },
    close() {
      if (inputError === undefined && !failure) input.end();
    },
    abort(reason) {
      failure ??= { error: reason };
      settle({ error: reason });
      stop();
    },
  });

  return { readable, writable };
}
