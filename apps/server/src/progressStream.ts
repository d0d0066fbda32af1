import type { ProgressMessage } from '@strata/core';

const encoder = new TextEncoder();

/** One JSON message as dockerd frames it in a progress stream: compact JSON then CRLF. */
export function encodeProgressMessage(m: ProgressMessage): Uint8Array {
  return encoder.encode(JSON.stringify(m) + '\r\n');
}

/** The in-stream form of a failure once output has started (§3.1 of the wire doc). */
export function progressError(err: unknown): ProgressMessage {
  const message = err instanceof Error ? err.message : String(err);
  return { errorDetail: { message }, error: message };
}

/**
 * Runs `work` and answers with a JSON message stream of what it emits, flushed as produced.
 * Like dockerd, the status line waits for the first message: a failure before any output
 * rejects (and becomes a real HTTP error); a failure after it is written into the stream.
 */
export function progressResponse(
  work: (emit: (m: ProgressMessage) => void) => Promise<void>,
  options: { eager?: boolean } = {},
): Promise<Response> {
  return new Promise<Response>((resolve, reject) => {
    let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
    let started = false;
    let closed = false;
    const pending: ProgressMessage[] = [];

    const write = (m: ProgressMessage) => {
      if (closed) return;
      if (controller) controller.enqueue(encodeProgressMessage(m));
      else pending.push(m);
    };
    const finish = () => {
      if (closed) return;
      closed = true;
      controller?.close();
    };
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        controller = c;
        for (const m of pending.splice(0)) c.enqueue(encodeProgressMessage(m));
        if (closed) c.close();
      },
      cancel() {
        closed = true;
      },
    });
    const respond = () => {
      if (started) return;
      started = true;
      resolve(new Response(body, { status: 200, headers: { 'Content-Type': 'application/json' } }));
    };

    const emit = (m: ProgressMessage) => {
      write(m);
      respond();
    };
    // `docker load` is answered 200 at once, failures in the stream (as moby's postImagesLoad does).
    if (options.eager) respond();
    work(emit).then(
      () => {
        respond();
        finish();
      },
      (err: unknown) => {
        if (!started) {
          closed = true;
          reject(err);
          return;
        }
        write(progressError(err));
        finish();
      },
    );
  });
}
