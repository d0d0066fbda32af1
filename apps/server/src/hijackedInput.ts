import type { Duplex } from 'node:stream';

/**
 * What the client sends on a hijacked connection after its request head: first the request body
 * (`Content-Length` bytes; exec start's JSON), then raw stdin. Node hands over whatever bytes came
 * with the head in `head`; the rest of the body may arrive later on the socket, and bytes past
 * the body are early stdin that must not be lost (§8.1 of the wire doc).
 */
export interface HijackedInput {
  /** Resolves with exactly the request body once all of it has arrived (rejects if the client closes first). */
  body: Promise<Uint8Array>;
  /** Everything after the body, unframed; ends at the client's FIN (half-close). */
  stdin: ReadableStream<Uint8Array>;
}

/** Splits a hijacked socket's input into the request body and the stdin that follows it. */
export function hijackedInput(socket: Duplex, head: Uint8Array, contentLength: number): HijackedInput {
  const bodyParts: Uint8Array[] = [];
  let bodyMissing = Math.max(0, contentLength);
  let settleBody: (b: Uint8Array) => void = () => undefined;
  let failBody: (e: Error) => void = () => undefined;
  const body = new Promise<Uint8Array>((resolve, reject) => {
    settleBody = resolve;
    failBody = reject;
  });
  // Unhandled when the caller never needs the body (attach): the rejection is not an error then.
  body.catch(() => undefined);

  let stdinController!: ReadableStreamDefaultController<Uint8Array>;
  let stdinEnded = false;
  const stdin = new ReadableStream<Uint8Array>({
    start(controller) {
      stdinController = controller;
    },
    cancel() {
      stdinEnded = true;
    },
  });

  const finishBody = () => {
    const whole = new Uint8Array(contentLength);
    let at = 0;
    for (const p of bodyParts) {
      whole.set(p, at);
      at += p.byteLength;
    }
    settleBody(whole);
  };

  const take = (chunk: Uint8Array) => {
    let rest = chunk;
    if (bodyMissing > 0) {
      const part = rest.subarray(0, bodyMissing);
      bodyParts.push(part);
      bodyMissing -= part.byteLength;
      rest = rest.subarray(part.byteLength);
      if (bodyMissing === 0) finishBody();
    }
    if (rest.byteLength > 0 && !stdinEnded) stdinController.enqueue(new Uint8Array(rest));
  };

  if (bodyMissing === 0) finishBody();
  if (head.byteLength > 0) take(head);
  socket.on('data', (chunk: Buffer) => take(chunk));
  socket.once('end', () => {
    if (bodyMissing > 0) failBody(new Error(`the client closed the connection ${bodyMissing} bytes short of the request body`));
    if (!stdinEnded) {
      stdinEnded = true;
      stdinController.close();
    }
  });
  socket.once('close', () => {
    if (bodyMissing > 0) failBody(new Error('the connection closed before the request body arrived'));
    if (!stdinEnded) {
      stdinEnded = true;
      try {
        stdinController.close();
      } catch {
        // already closed
      }
    }
  });
  return { body, stdin };
}
