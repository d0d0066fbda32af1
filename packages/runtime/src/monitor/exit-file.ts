import { watch, type FSWatcher } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { StrataError, type ExitInfo } from '@strata/core';

/** RFC 3339 with nanoseconds (Go's form, trailing zeros trimmed) of a nanosecond timestamp. */
export function nanosToRfc3339(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  const frac = String(ns % 1_000_000_000n).padStart(9, '0').replace(/0+$/, '');
  return `${new Date(ms).toISOString().slice(0, 19)}${frac ? `.${frac}` : ''}Z`;
}

/** The exit conmon recorded (`<exits>/<id>`: decimal code; its mtime is when the process ended), or undefined. */
export async function readExitFile(path: string): Promise<ExitInfo | undefined> {
  try {
    const [text, st] = await Promise.all([readFile(path, 'utf8'), stat(path, { bigint: true })]);
    if (!/^-?[0-9]+$/.test(text.trim())) return undefined;
    return { exitCode: Number(text.trim()), finishedAt: nanosToRfc3339(st.mtimeNs) };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * Resolve with the exit file's content once it exists: inotify on the exit dir (fs.watch) with a
 * poll as a safety net. `stillRunning` is asked on each poll so that a monitor that died without
 * writing a file ends the wait with an error instead of hanging forever.
 */
export function waitForExitFile(path: string, stillRunning: () => Promise<boolean>, signal?: AbortSignal, pollMs = 500): Promise<ExitInfo> {
  return new Promise((resolve, reject) => {
    let watcher: FSWatcher | undefined;
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    let checking = false;
    const finish = (result: ExitInfo | Error) => {
      if (done) return;
      done = true;
      watcher?.close();
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const onAbort = () => finish(signal?.reason instanceof Error ? signal.reason : new StrataError('unavailable', 'wait aborted'));
    const check = async (poll: boolean) => {
      if (done || checking) return;
      checking = true;
      try {
        const exit = await readExitFile(path);
        if (exit) return finish(exit);
        if (poll && !(await stillRunning())) {
          // The file may have landed between the two reads.
          const late = await readExitFile(path);
          finish(late ?? new StrataError('unavailable', `the monitor of container ${basename(path)} is gone and left no exit code`));
        }
      } catch (e) {
        finish(e as Error);
      } finally {
        checking = false;
      }
    };
    const poll = () => {
      timer = setTimeout(() => void check(true).then(() => !done && poll()), pollMs);
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      watcher = watch(dirname(path), (_event, name) => {
        if (name === null || name === basename(path)) void check(false);
      });
      watcher.on('error', () => undefined);
    } catch {
      // No inotify: the poll alone will do.
    }
    void check(false);
    poll();
  });
}
