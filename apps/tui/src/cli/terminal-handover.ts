import type { OutputRecord } from '@strata/core';
import type { TuiEngine } from '../model/tui-engine.js';
import { attachDetachKeys, shellCommand, type SessionOutcome, type TerminalSession } from '../model/terminal-session.js';

/** The terminal a session takes over: the app's stdin (a TTY put in raw mode) and stdout. */
export interface SessionTerminal {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
}

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

const CTRL_P = 0x10;
const CTRL_Q = 0x11;

/**
 * The terminal's keys as a byte stream, until `close` (which gives the terminal back to whoever reads
 * next). `onDetach` hears ctrl-p ctrl-q even when the engine ignores the input (a container without
 * OpenStdin gets none), so an attach can always be left.
 */
function terminalInput(stdin: NodeJS.ReadStream, onDetach?: () => void): { stream: ReadableStream<Uint8Array>; close(): void } {
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  let last = -1;
  const onChunk = (chunk: Buffer | string): void => {
    const bytes = typeof chunk === 'string' ? new TextEncoder().encode(chunk) : new Uint8Array(chunk);
    if (onDetach) {
      for (const b of bytes) {
        if (last === CTRL_P && b === CTRL_Q) onDetach();
        last = b;
      }
    }
    controller?.enqueue(bytes);
  };
  // Read as Ink reads ('readable' and read(), never 'data' with pause/resume): a stream once paused
  // by hand stays deaf to Ink's listener when the app is drawn again.
  const onReadable = (): void => {
    let chunk: Buffer | string | null;
    while ((chunk = stdin.read() as Buffer | string | null) !== null) onChunk(chunk);
  };
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    stdin.off('readable', onReadable);
    try {
      controller?.close();
    } catch {
      // already cancelled by the reader
    }
  };
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      stdin.ref?.();
      stdin.on('readable', onReadable);
    },
    // The engine may not want the keys (a container without OpenStdin): keep listening for the detach keys anyway.
    cancel: () => void (controller = undefined),
  });
  return { stream, close };
}

/**
 * Runs a shell or an attach session on the terminal: raw mode, keys to the container, its output
 * to the screen, the terminal size kept in step; returns once the shell exits or the attach ends
 * (the process exits, or ctrl-p ctrl-q detaches). The caller has left the app's screen first.
 */
export async function runTerminalSession(engine: TuiEngine, session: TerminalSession, terminal: SessionTerminal): Promise<SessionOutcome> {
  const { stdin, stdout } = terminal;
  const size = () => ({ height: stdout.rows || 24, width: stdout.columns || 80 });
  const banner =
    session.kind === 'shell'
      ? `strata: shell in ${session.name}; exit it to return to strata`
      : `strata: attached to ${session.name}; ctrl-p ctrl-q detaches and returns to strata`;
  stdout.write(`\r\n\u001b[2m${banner}\u001b[0m\r\n`);
  const detach = new AbortController();
  const input = terminalInput(stdin, session.kind === 'attach' ? () => detach.abort() : undefined);
  stdin.setRawMode?.(true);
  let resize: (() => void) | undefined;
  // Detaching ends the copy at once: a quiet container's output may not wake up to notice the signal.
  const detached = new Promise<'detached'>((resolve) => detach.signal.addEventListener('abort', () => resolve('detached'), { once: true }));
  const copy = async (records: AsyncIterable<OutputRecord>): Promise<void> => {
    const iterator = records[Symbol.asyncIterator]();
    for (;;) {
      const next = await Promise.race([iterator.next(), detached]);
      if (next === 'detached') {
        void iterator.return?.();
        return;
      }
      if (next.done) return;
      stdout.write(next.value.bytes);
    }
  };
  try {
    if (session.kind === 'shell') {
      const { createExec, startExec, resizeExec, inspectExec } = engine;
      if (!createExec || !startExec) return { message: 'this engine cannot open a shell (no exec)', failed: true };
      const { Id } = await createExec.call(engine, session.containerId, {
        AttachStdin: true,
        AttachStdout: true,
        AttachStderr: true,
        Tty: true,
        Cmd: [...shellCommand],
        Env: [`TERM=${process.env.TERM || 'xterm'}`],
      });
      const started = await startExec.call(engine, Id, { tty: true, stdin: input.stream });
      if (resizeExec) {
        resize = () => void resizeExec.call(engine, Id, size()).catch(() => undefined);
        resize();
        stdout.on('resize', resize);
      }
      await copy(started.records);
      const code = inspectExec ? (await inspectExec.call(engine, Id)).ExitCode : null;
      return { message: `shell in ${session.name} exited${code === null ? '' : ` with code ${code}`}`, failed: code !== null && code !== 0 && code !== 130 };
    }
    const { attachContainer, resizeContainer } = engine;
    if (!attachContainer) return { message: 'this engine cannot attach', failed: true };
    const attached = await attachContainer.call(engine, session.containerId, { stdout: true, stderr: true, stdin: input.stream, detachKeys: attachDetachKeys, signal: detach.signal });
    if (attached.tty && resizeContainer) {
      resize = () => void resizeContainer.call(engine, session.containerId, size()).catch(() => undefined);
      resize();
      stdout.on('resize', resize);
    }
    await copy(attached.records);
    const state = (await engine.inspectContainer(session.containerId).catch(() => undefined))?.State as { Running?: boolean; ExitCode?: number } | undefined;
    return state?.Running === false
      ? { message: `${session.name} exited with code ${state.ExitCode ?? '?'}`, failed: false }
      : { message: `detached from ${session.name}`, failed: false };
  } catch (e) {
    return { message: messageOf(e), failed: true };
  } finally {
    if (resize) stdout.off('resize', resize);
    input.close();
    stdin.setRawMode?.(false);
  }
}
