import { spawn } from 'node:child_process';
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { rm } from 'node:fs/promises';
import { constants } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { StrataError, type ExecProcess } from '@strata/core';
import { canSpawnDetached, spawnDetachedProcess } from '../monitor/posix-spawn.js';
import type { RuncCli } from '../monitor/runc-cli.js';
import { execFailure } from './exec-failure.js';
import { pipedOutput } from './piped-output.js';

/** How one exec without a terminal is launched as a foreground `runc exec` of the engine. */
export interface RuncExecLaunch {
  runc: RuncCli;
  containerId: string;
  /** The exec's own dir, already holding process.json; runc writes `pid` into it once the process runs. */
  dir: string;
  stdin: boolean;
  /** Whether anyone reads the output (a detached exec's output is dropped, as dockerd drops it). */
  attached: boolean;
  timeoutMs?: number;
}

/** runc's exit code for "exec failed" (its own failure, not the process's). */
const RUNC_EXEC_FAILED = 255;

/** `runc exec` in the foreground: it stays the process's parent, copies its stdio and exits with its exit code. */
export function runcExecArgs(l: Pick<RuncExecLaunch, 'runc' | 'containerId' | 'dir'>): string[] {
  return [...l.runc.globalArgs, 'exec', '--process', join(l.dir, 'process.json'), '--pid-file', join(l.dir, 'pid'), l.containerId];
}

/** A started `runc exec`: its stdio pipes, its exit code once reaped, and a way to end it. */
interface RuncChild {
  stdin?: Writable;
  stdout: Readable;
  stderr: Readable;
  exit: Promise<number>;
  /** SIGKILL, unless it has already ended. */
  kill(): void;
}

/**
 * runc in a session of its own (a signal meant for the engine's process group must not reach the
 * exec), through posix_spawn where it works: node's spawn forks the whole engine, 5-20 ms of the
 * event loop on a loaded machine, on the path of every exec.
 */
function startRunc(l: RuncExecLaunch): RuncChild {
  const args = runcExecArgs(l);
  if (canSpawnDetached()) {
    const p = spawnDetachedProcess(l.runc.binary, args, process.env, [l.stdin ? 'write' : 'null', 'read', 'read'], { reap: 'sigchld' });
    let ended = false;
    void p.exited.then(() => (ended = true));
    return {
      ...(l.stdin ? { stdin: p.pipes.get(0)! } : {}),
      stdout: p.pipes.get(1)!,
      stderr: p.pipes.get(2)!,
      exit: p.exited,
      kill: () => {
        if (!ended) process.kill(p.pid, 'SIGKILL');
      },
    };
  }
  const child = spawn(l.runc.binary, args, { stdio: [l.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'], detached: true });
  const exit = new Promise<number>((resolve) => {
    child.once('error', () => resolve(RUNC_EXEC_FAILED));
    child.once('close', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  });
  return {
    ...(child.stdin ? { stdin: child.stdin } : {}),
    stdout: child.stdout!,
    stderr: child.stderr!,
    exit,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** The pid runc wrote once the process was running, or undefined while there is none. */
function readPid(dir: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(join(dir, 'pid'), 'utf8'), 10);
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Start an exec as a child `runc exec` with pipes, as containerd's shim does, without a monitor
 * process in between: one process spawn, no sockets or start-pipe round trips. runc reports the
 * process as running by writing its pid file (watched with inotify); an exit before that is runc's
 * own failure, its message on stderr. The exec dir goes when the process has ended.
 */
export async function launchRuncExec(l: RuncExecLaunch): Promise<ExecProcess> {
  let watcher: FSWatcher | undefined;
  let child: RuncChild | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const removeDir = () => rm(l.dir, { recursive: true, force: true }).catch(() => undefined);
  try {
    let running!: () => void;
    const started = new Promise<'started'>((resolve) => (running = () => resolve('started')));
    // Watched before runc starts, so the pid file's arrival cannot be missed.
    watcher = watch(l.dir, (_event, name) => {
      if (name === 'pid') running();
    });
    watcher.on('error', () => undefined);
    const runc = startRunc(l);
    child = runc;
    const output = pipedOutput(runc.stdout, runc.stderr);
    const exit = runc.exit;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new StrataError('internal', `runc exec in ${l.containerId} did not start within ${l.timeoutMs ?? 30000} ms`)), l.timeoutMs ?? 30_000);
    });
    const first = await Promise.race([started, exit.then(() => 'exited' as const), timeout]);
    const pid = readPid(l.dir);
    if (first === 'exited' && pid === undefined) {
      const code = await exit;
      // Reaped is not read: runc's message may still sit in the pipe.
      await output.ended;
      const message = output.pendingText('stderr').trim() || `runc exec exited with ${code} before the process ran`;
      await removeDir();
      throw execFailure(message);
    }
    if (pid === undefined) {
      // runc renames the pid file into place with its content: an empty one is not runc's.
      throw new StrataError('internal', `runc exec in ${l.containerId} wrote no pid`);
    }
    if (!l.attached) output.discard();
    void exit.then(removeDir);
    const stdin = runc.stdin;
    stdin?.on('error', () => undefined);
    return {
      pid,
      output: l.attached ? output.chunks : (async function* () {})(),
      ...(stdin
        ? {
            stdin: {
              write: (bytes: Uint8Array) =>
                new Promise<void>((resolve, reject) => stdin.write(bytes, (err) => (err ? reject(err) : resolve()))),
              end: () => stdin.end(),
              close: () => stdin.destroy(),
            },
          }
        : {}),
      // Without a terminal there is nothing to size (the CLI sends no resize for these).
      resize: async () => undefined,
      exit,
    };
  } catch (e) {
    // A runc that has not reported in time goes, with whatever it started.
    child?.kill();
    await removeDir();
    throw e;
  } finally {
    watcher?.close();
    clearTimeout(timer);
  }
}
