import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { StrataError, type ExecProcess } from '@strata/core';
import { connectAttachSocket, type AttachConnection } from '../attach/attach-socket.js';
import { resizeTerminal } from '../attach/terminal-control.js';
import { execFailure } from './exec-failure.js';
import type { RuncCli } from '../monitor/runc-cli.js';

/** How one exec is launched under its own conmon (runtime-recipes §3.4f). */
export interface ExecLaunch {
  conmon: string;
  runc: RuncCli;
  containerId: string;
  execId: string;
  name: string;
  /** The exec's own dir: process.json, conmon's attach socket, ctl FIFO, log and exit dir. */
  dir: string;
  tty: boolean;
  stdin: boolean;
  /** Connect to the output before the process starts (conmon `--exec-attach`), so none is lost. */
  attached: boolean;
  timeoutMs?: number;
}

/** conmon's command line for an exec: it runs `runc exec -d --process ...` and reports pid then exit code. */
export function conmonExecArgs(l: ExecLaunch): string[] {
  const args = [
    '--api-version', '1',
    '-c', l.containerId,
    '-u', l.execId,
    '-n', l.name,
    '-r', l.runc.binary,
    '-b', l.dir,
    '-p', join(l.dir, 'pidfile'),
    '--exit-dir', join(l.dir, 'exits'),
    '--full-attach',
    '-l', `k8s-file:${join(l.dir, 'exec.log')}`,
    '--log-level', 'warning',
    ...l.runc.globalArgs.flatMap((a) => ['--runtime-arg', a]),
    '--exec',
    '--exec-process-spec', join(l.dir, 'process.json'),
  ];
  if (l.attached) args.push('--exec-attach');
  if (l.tty) args.push('-t');
  else if (l.stdin) args.push('-i');
  return args;
}

/** Reads newline-terminated JSON reports (`{"data": n, "message"?: s}`) off a conmon pipe. */
function reportLines(pipe: Socket): () => Promise<{ data?: number; message?: string } | undefined> {
  let text = '';
  let ended = false;
  let wake: (() => void) | undefined;
  pipe.setEncoding('utf8');
  pipe.on('data', (chunk: string) => {
    text += chunk;
    wake?.();
  });
  const finish = () => {
    ended = true;
    wake?.();
  };
  pipe.on('end', finish);
  pipe.on('close', finish);
  pipe.on('error', finish);
  return async () => {
    for (;;) {
      const nl = text.indexOf('\n');
      if (nl >= 0) {
        const line = text.slice(0, nl);
        text = text.slice(nl + 1);
        try {
          return JSON.parse(line) as { data?: number; message?: string };
        } catch {
          return { data: -1, message: `conmon wrote an unreadable report: ${line}` };
        }
      }
      if (ended) return undefined;
      await new Promise<void>((r) => (wake = r));
      wake = undefined;
    }
  };
}

/**
 * Start an exec under conmon. Attached execs connect to conmon's attach socket between its two
 * start-pipe messages (conmon holds `runc exec` until the second), so the first output is caught.
 */
export async function launchConmonExec(l: ExecLaunch): Promise<ExecProcess> {
  const child = spawn(l.conmon, conmonExecArgs(l), {
    stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe', l.attached ? 'pipe' : 'ignore'],
    detached: true,
    env: { ...process.env, _OCI_SYNCPIPE: '3', _OCI_STARTPIPE: '4', ...(l.attached ? { _OCI_ATTACHPIPE: '5' } : {}) },
  });
  const stderr: Buffer[] = [];
  child.stdout!.resume();
  child.stderr!.on('data', (b: Buffer) => stderr.push(b));
  child.on('error', () => undefined);
  child.unref();
  const sync = child.stdio[3] as Socket;
  const start = child.stdio[4] as Socket;
  start.on('error', () => undefined);
  const nextSync = reportLines(sync);
  const cleanUp = () => {
    sync.destroy();
    start.destroy();
    child.stdout!.destroy();
    child.stderr!.destroy();
  };
  const why = () => Buffer.concat(stderr).toString('utf8').trim();
  let connection: AttachConnection | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new StrataError('internal', `conmon exec in ${l.containerId} did not report within ${l.timeoutMs ?? 30000} ms`)), l.timeoutMs ?? 30_000);
    });
    start.write(Buffer.from([0]));
    if (l.attached) {
      const attachPipe = (child.stdio as unknown as Socket[])[5];
      const ready = await Promise.race([reportLines(attachPipe)(), timeout]);
      attachPipe.destroy();
      if (!ready) throw new StrataError('internal', `conmon exec in ${l.containerId} ended before its attach socket was ready${why() ? `: ${why()}` : ''}`);
      connection = await connectAttachSocket(l.dir);
    }
    start.end(Buffer.from([0]));
    const first = await Promise.race([nextSync(), timeout]);
    if (!first) throw new StrataError('internal', `conmon exec in ${l.containerId} exited without a report${why() ? `: ${why()}` : ''}`);
    if (typeof first.data !== 'number' || first.data <= 0) throw execFailure(first.message ?? `runc exec failed (conmon reported ${JSON.stringify(first)})`);
    const pid = first.data;
    const exit = nextSync().then((report) => {
      cleanUp();
      if (!report || typeof report.data !== 'number') throw new StrataError('internal', `conmon exec ${l.execId} ended without an exit code`);
      return report.data;
    });
    const attached = connection;
    const output = attached?.output ?? (async function* () {})();
    // The exec dir goes once the process has ended and its output is drained.
    void Promise.allSettled([exit, attached?.closed]).then(() => {
      attached?.close();
      return rm(l.dir, { recursive: true, force: true });
    });
    return {
      pid,
      output,
      ...(attached && l.stdin ? { stdin: attached } : {}),
      resize: (size) => resizeTerminal(l.dir, size),
      exit,
    };
  } catch (e) {
    connection?.close();
    cleanUp();
    await rm(l.dir, { recursive: true, force: true }).catch(() => undefined);
    throw e;
  } finally {
    clearTimeout(timer);
  }
}
