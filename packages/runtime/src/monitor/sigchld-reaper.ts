import { createRequire } from 'node:module';

type Waitpid = (pid: number, status: Int32Array, options: number) => number;

const WNOHANG = 1;
const waiting = new Map<number, (code: number) => void>();
let waitpid: Waitpid | undefined;

function loadWaitpid(): Waitpid {
  if (!waitpid) {
    const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
    waitpid = koffi.load('libc.so.6').func('int waitpid(int pid, int *status, int options)') as Waitpid;
  }
  return waitpid;
}

/** 128 + n for a child killed by signal n, as shells and runc report it. */
const exitCodeOf = (status: number): number => ((status & 0x7f) === 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f));

/**
 * On each SIGCHLD, waitpid(WNOHANG) for exactly the children registered here. libuv reaps only
 * the pids it spawned itself the same way, so neither takes the other's exit status.
 */
function reapExited(): void {
  const wait = loadWaitpid();
  for (const [pid, done] of waiting) {
    const status = new Int32Array(1);
    const r = wait(pid, status, WNOHANG);
    if (r === 0) continue;
    waiting.delete(pid);
    // -1 (ECHILD) means someone else reaped it: there is no exit code left to tell.
    done(r === pid ? exitCodeOf(status[0]!) : 255);
  }
  if (waiting.size === 0) process.off('SIGCHLD', reapExited);
}

/**
 * The exit code of a child started by posix_spawn, collected when it ends. Unlike a blocking
 * waitpid on a libuv worker thread, a child that runs for hours holds no thread of the pool the
 * engine's file I/O needs.
 */
export function reapOnSigchld(pid: number): Promise<number> {
  loadWaitpid();
  const exited = new Promise<number>((resolve) => {
    if (waiting.size === 0) process.on('SIGCHLD', reapExited);
    waiting.set(pid, resolve);
  });
  // The child may have ended before the listener was there.
  reapExited();
  return exited;
}
