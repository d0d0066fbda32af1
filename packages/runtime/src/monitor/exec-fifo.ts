import { constants, open, readSync } from 'node:fs';
import { readFile, unlink } from 'node:fs/promises';
import { Socket } from 'node:net';
import { join } from 'node:path';

/** How a release of runc's exec fifo ended. */
export type FifoRelease = 'started' | 'no-fifo' | 'init-gone';

/** True while `pid` exists and is not a zombie. */
async function isLive(pid: number): Promise<boolean> {
  try {
    const text = await readFile(`/proc/${pid}/stat`, 'utf8');
    const state = text.slice(text.lastIndexOf(')') + 2, text.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/**
 * What `runc start` does (libcontainer's exec(): read runc init's "0" from `<root>/<id>/exec.fifo`,
 * then remove the fifo, which makes runc report the container as running), done in place because
 * spawning runc costs 15-35 ms of every start here. The fifo is opened read-write so the open never
 * blocks a libuv thread (runc init's blocking write-open completes against it); while no byte comes,
 * the init process is checked every 100 ms as runc does. `no-fifo`: there is nothing to release
 * (the caller falls back to `runc start`); `init-gone`: the init process died before its exec.
 */
export async function releaseExecFifo(runcRoot: string, id: string, initPid: number): Promise<FifoRelease> {
  const path = join(runcRoot, id, 'exec.fifo');
  let fd: number;
  try {
    fd = await new Promise<number>((resolve, reject) => open(path, constants.O_RDWR | constants.O_NONBLOCK, (e, opened) => (e ? reject(e) : resolve(opened))));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'no-fifo';
    throw e;
  }
  const fifo = new Socket({ fd, readable: true, writable: false });
  try {
    const outcome = await new Promise<'started' | 'init-gone'>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = (result: 'started' | 'init-gone' | Error) => {
        clearTimeout(timer);
        fifo.removeAllListeners('data');
        fifo.pause();
        if (result instanceof Error) reject(result);
        else resolve(result);
      };
      const check = () => {
        timer = setTimeout(() => {
          void isLive(initPid).then((live) => (live ? check() : finish(wroteBeforeDying() ? 'started' : 'init-gone')));
        }, 100);
      };
      // The process may have written, exec'd and exited before the loop read the byte (runc checks the
      // same way): a 'data' event would already have settled this, so read what the pipe still holds.
      const wroteBeforeDying = (): boolean => {
        try {
          return readSync(fd, Buffer.alloc(1), 0, 1, null) === 1;
        } catch {
          return false;
        }
      };
      fifo.once('data', () => finish('started'));
      fifo.once('error', (e) => finish(e));
      check();
    });
    if (outcome === 'started') await unlink(path);
    return outcome;
  } finally {
    // The socket owns the descriptor from here: destroying it closes the fd exactly once.
    fifo.destroy();
  }
}
