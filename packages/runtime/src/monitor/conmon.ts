import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { StrataError } from '@strata/core';
import type { ContainerLayout } from '../container/container-layout.js';
import { canSpawnDetached, spawnDetachedProcess } from './posix-spawn.js';
import type { RuncCli } from './runc-cli.js';

/** How one conmon launch is wired (runtime-recipes §3.2). */
export interface ConmonLaunch {
  conmon: string;
  runc: RuncCli;
  id: string;
  name: string;
  layout: ContainerLayout;
  exitDir: string;
  tty: boolean;
  openStdin: boolean;
  stdinOnce: boolean;
  /** How long to wait for `runc create` to report (ms); 0 waits as long as it takes (a warm launch waits for its config). */
  timeoutMs?: number;
}

/** What conmon reported on its sync pipe. */
export type ConmonSync = { ok: true; pid: number } | { ok: false; message: string };

/** conmon's command line: it runs `runc create` and stays as the container's parent. */
export function conmonArgs(l: ConmonLaunch): string[] {
  const args = [
    '--api-version', '1',
    '-c', l.id,
    '-u', l.id,
    '-n', l.name,
    '-r', l.runc.binary,
    '-b', l.layout.bundle,
    '-p', l.layout.pidFile,
    '-P', l.layout.conmonPidFile,
    '--exit-dir', l.exitDir,
    '--persist-dir', l.layout.persist,
    '--full-attach',
    '-l', `k8s-file:${l.layout.log}`,
    '--log-level', 'warning',
    ...l.runc.globalArgs.flatMap((a) => ['--runtime-arg', a]),
    '--runtime-arg', '--log-format=json',
    '--runtime-arg', '--log',
    `--runtime-arg=${l.layout.ociLog}`,
    '--no-new-keyring',
    // conmon would fsync the log before it writes the exit file, on the exit path of every `docker run`:
    // dockerd's json-file logger never syncs, and a --rm container's log is deleted right after.
    '--no-sync-log',
  ];
  if (l.tty) args.push('-t');
  else if (l.openStdin) {
    args.push('-i');
    if (!l.stdinOnce) args.push('--leave-stdin-open');
  }
  return args;
}

/** A conmon started and blocked on its start pipe, before it runs anything. */
export interface WaitingConmon {
  /** Let it go on (daemonize, `runc create`); resolves with its sync report. */
  release(): Promise<ConmonSync>;
  /** Kill it unreleased (an EOF on the start pipe would let it go on). */
  cancel(): void;
}

/**
 * Start conmon detached (it daemonizes into its own session, so the container outlives the
 * engine), release it through the start pipe and read the sync pipe's one line:
 * `{"data": <pid>}` once `runc create` succeeded, `{"data": -1, "message": ...}` when it failed.
 */
export function launchConmon(l: ConmonLaunch): Promise<ConmonSync> {
  return spawnConmon(l).release();
}

/**
 * conmon started but held at its start pipe, which it reads before touching the bundle: its exec
 * and start-up then overlap with the engine's writing of that bundle.
 */
export function spawnConmon(l: ConmonLaunch): WaitingConmon {
  let child: ConmonProcess;
  try {
    child = startConmonProcess(l);
  } catch (e) {
    const failure = new StrataError('unavailable', `cannot run ${l.conmon}: ${(e as Error).message}`);
    return { release: () => Promise.reject(failure), cancel: () => undefined };
  }
  const { sync, start } = child;
  const stderr: Buffer[] = [];
  let syncText = '';
  let exitCode: number | null | undefined;
  let settled = false;
  let timer: NodeJS.Timeout | undefined;
  let onReport: (result: ConmonSync | Error) => void = () => undefined;
  // Whatever happens before the release is kept for it.
  let early: ConmonSync | Error | undefined;
  const finish = (result: ConmonSync | Error) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    sync.destroy();
    start.destroy();
    child.stderr.destroy();
    child.release();
    early = result;
    onReport(result);
  };
  const tryLine = () => {
    const nl = syncText.indexOf('\n');
    if (nl < 0) return false;
    let report: { data?: number; message?: string };
    try {
      report = JSON.parse(syncText.slice(0, nl)) as { data?: number; message?: string };
    } catch {
      finish(new StrataError('internal', `conmon for ${l.id} wrote an unreadable sync report: ${syncText.slice(0, nl)}`));
      return true;
    }
    if (typeof report.data === 'number' && report.data > 0) finish({ ok: true, pid: report.data });
    else finish({ ok: false, message: report.message ?? `runc create failed (conmon reported ${JSON.stringify(report)})` });
    return true;
  };
  const noReport = () => {
    const why = Buffer.concat(stderr).toString('utf8').trim();
    finish(new StrataError('internal', `conmon for ${l.id} exited (${exitCode}) without a report${why ? `: ${why}` : ''}`));
  };
  sync.setEncoding('utf8');
  sync.on('data', (text: string) => {
    syncText += text;
    tryLine();
  });
  // The daemonized conmon holds the sync pipe open while the container runs, so 'end' here
  // means every conmon is gone.
  sync.on('end', () => {
    if (!tryLine()) noReport();
  });
  sync.on('error', () => undefined);
  start.on('error', () => undefined);
  child.stderr.on('data', (b: Buffer) => stderr.push(b));
  child.stderr.on('error', () => undefined);
  void child.failed.then((e) => finish(new StrataError('unavailable', `cannot run ${l.conmon}: ${e.message}`)));
  void child.exited.then((code) => {
    exitCode = code;
    // The first conmon exits as soon as it has forked its daemon; only a failure before that matters.
    if (code !== 0 && code !== null) setTimeout(() => (tryLine() ? undefined : noReport()), 50);
  });
  let released: Promise<ConmonSync> | undefined;
  return {
    release() {
      released ??= new Promise<ConmonSync>((resolve, reject) => {
        onReport = (result) => (result instanceof Error ? reject(result) : resolve(result));
        if (early) return onReport(early);
        if (l.timeoutMs !== 0) {
          timer = setTimeout(
            () => finish(new StrataError('internal', `conmon for ${l.id} did not report within ${l.timeoutMs ?? 30000} ms`)),
            l.timeoutMs ?? 30_000,
          );
        }
        start.end(Buffer.from([0]));
      });
      return released;
    },
    cancel() {
      if (released || settled) return;
      try {
        if (child.pid > 0) process.kill(child.pid, 'SIGKILL');
      } catch {
        // gone already
      }
      finish(new StrataError('internal', `conmon for ${l.id} was cancelled before its start`));
    },
  };
}

/** The first conmon process and the parent's ends of its pipes, however it was started. */
interface ConmonProcess {
  pid: number;
  sync: Socket;
  start: Socket;
  stderr: Socket;
  /** Its exit code (null for a signal) once the first conmon has exited. */
  exited: Promise<number | null>;
  /** Settles only when the process could not be started after all. */
  failed: Promise<Error>;
  /** Stop keeping the engine's event loop alive for it. */
  release(): void;
}

/**
 * Start conmon with the sync pipe on fd 3 and the start pipe on fd 4 in a session of its own:
 * through posix_spawn where it can (no fork of the engine), else child_process.spawn.
 */
function startConmonProcess(l: ConmonLaunch): ConmonProcess {
  const env = { ...process.env, _OCI_SYNCPIPE: '3', _OCI_STARTPIPE: '4' };
  if (canSpawnDetached()) {
    const child = spawnDetachedProcess(l.conmon, conmonArgs(l), env, ['null', 'null', 'read', 'read', 'write']);
    return {
      pid: child.pid,
      sync: child.pipes.get(3)!,
      start: child.pipes.get(4)!,
      stderr: child.pipes.get(2)!,
      exited: child.exited,
      failed: new Promise(() => undefined),
      release: () => undefined,
    };
  }
  const child = spawn(l.conmon, conmonArgs(l), { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'], detached: true, env });
  return {
    pid: child.pid ?? -1,
    sync: child.stdio[3] as Socket,
    start: child.stdio[4] as Socket,
    stderr: child.stderr as Socket,
    exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
    failed: new Promise((resolve) => child.on('error', resolve)),
    release: () => child.unref(),
  };
}
