import { closeSync, openSync } from 'node:fs';
import { StrataError, type StdinConnection } from '@strata/core';

/** conmon caps what it reads from an attach client at 32768 bytes per packet; larger ones are cut (runtime-recipes §3.4d). */
const MAX_PACKET = 32768;

/** conmon's stream numbers in the first byte of each packet it sends. */
const STREAMS: Record<number, 'stdout' | 'stderr'> = { 2: 'stdout', 3: 'stderr' };

/** One client connection to conmon's attach socket: stdin one way, output packets the other. */
export interface AttachConnection extends StdinConnection {
  /** Output packets from now on (no history) until conmon closes the socket. */
  output: AsyncIterable<{ stream: 'stdout' | 'stderr'; bytes: Uint8Array }>;
  /** Resolves once the socket has ended (conmon closes it when the process's output is complete). */
  closed: Promise<void>;
}

/**
 * Connect to `<dir>/attach` (SOCK_SEQPACKET, which Node's `net` cannot open; node-unix-socket
 * can). The path goes through /proc/self/fd so a long data root does not hit sun_path's 108 bytes.
 */
export async function connectAttachSocket(dir: string, options: { output?: boolean } = {}): Promise<AttachConnection> {
  // Loaded on first attach, not with the runtime: the addon's loader asks for a whole process report
  // (to tell glibc from musl), which every embedded-engine start paid for before a container was attached.
  const { SeqpacketSocket } = await import('node-unix-socket');
  const keepOutput = options.output !== false;
  return new Promise((resolve, reject) => {
    let dirFd: number;
    try {
      dirFd = openSync(dir, 'r');
    } catch (e) {
      reject(new StrataError('unavailable', `cannot attach: ${(e as Error).message}`));
      return;
    }
    const socket = new SeqpacketSocket();
    const queue: Array<{ stream: 'stdout' | 'stderr'; bytes: Uint8Array }> = [];
    let wake: (() => void) | undefined;
    let ended = false;
    let closed = false;
    let halfClosed = false;
    const poke = () => {
      const w = wake;
      wake = undefined;
      w?.();
    };
    socket.on('data', (packet: Buffer) => {
      const stream = STREAMS[packet[0]];
      // A stdin-only client still reads every packet, or conmon's writes to it would block the container.
      if (!keepOutput || !stream || packet.length < 2) return;
      queue.push({ stream, bytes: new Uint8Array(packet.subarray(1)) });
      poke();
    });
    let settleClosed: () => void = () => undefined;
    const closedPromise = new Promise<void>((r) => (settleClosed = r));
    const finish = () => {
      ended = true;
      settleClosed();
      poke();
    };
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('error', finish);
    const close = () => {
      if (closed) return;
      closed = true;
      finish();
      try {
        socket.destroy();
      } catch {
        // conmon already closed it.
      }
    };
    const connection: AttachConnection = {
      async write(bytes) {
        for (let at = 0; at < bytes.byteLength && !closed && !halfClosed; at += MAX_PACKET) {
          const part = Buffer.from(bytes.buffer, bytes.byteOffset + at, Math.min(MAX_PACKET, bytes.byteLength - at));
          await new Promise<void>((done) => {
            try {
              socket.write(part, 0, part.length, () => done());
            } catch {
              done();
            }
          });
        }
      },
      end() {
        if (closed || halfClosed) return;
        halfClosed = true;
        try {
          socket.end();
        } catch {
          // `end()` after conmon closed throws "Bad file number" (runtime-recipes §3.4d).
        }
      },
      close,
      closed: closedPromise,
      output: {
        async *[Symbol.asyncIterator]() {
          for (;;) {
            const next = queue.shift();
            if (next) {
              yield next;
              continue;
            }
            if (ended) return;
            await new Promise<void>((r) => (wake = r));
          }
        },
      },
    };
    try {
      // connect() throws synchronously (ENOENT, ECONNREFUSED) instead of emitting 'error'.
      socket.connect(`/proc/self/fd/${dirFd}/attach`, () => {
        closeSync(dirFd);
        resolve(connection);
      });
    } catch (e) {
      closeSync(dirFd);
      reject(new StrataError('unavailable', `cannot attach: ${(e as Error).message}`));
    }
  });
}
