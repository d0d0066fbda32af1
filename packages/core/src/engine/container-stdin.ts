import { DetachKeyScanner } from '../lifecycle/index.js';
import type { StdinConnection } from '../lifecycle/index.js';

/** How the client's stdin reaches one process, and what its end means. */
export interface StdinPump {
  /** The client's raw stdin (ends at its half-close). */
  stdin: ReadableStream<Uint8Array>;
  /** Opens the process's stdin once the process runs; undefined = it never started (the input is dropped). */
  connect(): Promise<StdinConnection | undefined>;
  /** The detach sequence (empty = none). */
  detachKeys: Uint8Array;
  /**
   * What the client's end of input does: `close-stdin` (StdinOnce without a tty: the process reads
   * EOF, its output goes on) or `end-attach` (the attachment ends, the process keeps running).
   */
  onInputEnd: 'close-stdin' | 'end-attach';
  /** Called when the attachment must end (detach keys, or the input ended under `end-attach`). */
  endAttach(): void;
  /** Aborts when the attachment is over for another reason (the client left, the process exited). */
  signal: AbortSignal;
}

/**
 * Copy the client's stdin into the process, as dockerd's attach does: input that arrives before
 * the process starts is kept and delivered, the detach sequence ends the attachment (the process
 * keeps running), and the client's half-close either closes the process's stdin or ends the attachment.
 */
export async function pumpStdin(p: StdinPump): Promise<void> {
  const reader = p.stdin.getReader();
  const scanner = new DetachKeyScanner(p.detachKeys);
  let connection: StdinConnection | undefined;
  const onAbort = () => {
    void reader.cancel().catch(() => undefined);
    connection?.close();
  };
  p.signal.addEventListener('abort', onAbort, { once: true });
  let connecting: Promise<StdinConnection | undefined> | undefined;
  const connected = () =>
    (connecting ??= p.connect().then((c) => {
      if (p.signal.aborted) c?.close();
      return (connection = c);
    }));
  try {
    // Connect at once so the process gets its stdin even before the client types anything.
    void connected().catch(() => undefined);
    for (;;) {
      const next = await reader.read();
      if (next.done) break;
      const { forward, detached } = scanner.feed(next.value);
      const target = await connected();
      if (forward.byteLength > 0 && target) await target.write(forward);
      if (detached) {
        target?.close();
        p.endAttach();
        return;
      }
    }
    if (p.signal.aborted) {
      connection?.close();
      return;
    }
    const target = await connected().catch(() => undefined);
    if (p.onInputEnd === 'close-stdin') {
      target?.end();
      return;
    }
    target?.close();
    p.endAttach();
  } catch {
    connection?.close();
  } finally {
    reader.releaseLock();
  }
}
