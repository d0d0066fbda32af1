import { closeSync } from 'node:fs';
import { Socket } from 'node:net';
import { libcFunctions } from './libc.js';
import { reapOnSigchld } from './sigchld-reaper.js';

/** A child started by {@link spawnDetachedProcess}, with the parent's ends of its pipes. */
export interface DetachedProcess {
  pid: number;
  /** The parent's end of each pipe asked for, by the child's fd number. */
  pipes: Map<number, Socket>;
  /** Resolves with the child's exit code (128 + n for a signal) once it has been reaped. */
  exited: Promise<number>;
}

/** What the child's fds are: a pipe the parent reads (`read`), one it writes (`write`), or /dev/null. */
export type ChildFd = 'read' | 'write' | 'null';

interface Libc {
  pipe2(fds: Int32Array, flags: number): number;
  faInit(fa: Buffer): number;
  faDup2(fa: Buffer, fd: number, newfd: number): number;
  faOpen(fa: Buffer, fd: number, path: string, flags: number, mode: number): number;
  faDestroy(fa: Buffer): number;
  attrInit(attr: Buffer): number;
  attrSetFlags(attr: Buffer, flags: number): number;
  attrSetSigMask(attr: Buffer, set: Buffer): number;
  attrSetSigDefault(attr: Buffer, set: Buffer): number;
  attrDestroy(attr: Buffer): number;
  sigEmpty(set: Buffer): number;
  sigFill(set: Buffer): number;
  spawn(pid: Int32Array, path: string, fa: Buffer, attr: Buffer, argv: Array<string | null>, envp: Array<string | null>): number;
  waitpid: { async(pid: number, status: Int32Array, options: number, done: (err: unknown, result: number) => void): void };
}

// glibc's values (x86_64 and arm64 alike).
const O_CLOEXEC = 0o2000000;
const O_RDWR = 2;
const POSIX_SPAWN_SETSIGDEF = 0x04;
const POSIX_SPAWN_SETSIGMASK = 0x08;
const POSIX_SPAWN_SETSID = 0x80;

const loadLibc = libcFunctions((lib): Libc => ({
  pipe2: lib.func('int pipe2(int *fds, int flags)'),
  faInit: lib.func('int posix_spawn_file_actions_init(void *fa)'),
  faDup2: lib.func('int posix_spawn_file_actions_adddup2(void *fa, int fd, int newfd)'),
  faOpen: lib.func('int posix_spawn_file_actions_addopen(void *fa, int fd, const char *path, int flags, unsigned int mode)'),
  faDestroy: lib.func('int posix_spawn_file_actions_destroy(void *fa)'),
  attrInit: lib.func('int posix_spawnattr_init(void *attr)'),
  attrSetFlags: lib.func('int posix_spawnattr_setflags(void *attr, short flags)'),
  attrSetSigMask: lib.func('int posix_spawnattr_setsigmask(void *attr, void *set)'),
  attrSetSigDefault: lib.func('int posix_spawnattr_setsigdefault(void *attr, void *set)'),
  attrDestroy: lib.func('int posix_spawnattr_destroy(void *attr)'),
  sigEmpty: lib.func('int sigemptyset(void *set)'),
  sigFill: lib.func('int sigfillset(void *set)'),
  spawn: lib.func('int posix_spawn(int *pid, const char *path, void *fa, void *attr, const char **argv, const char **envp)'),
  waitpid: lib.func('int waitpid(int pid, int *status, int options)') as unknown as Libc['waitpid'],
}));

/** Whether {@link spawnDetachedProcess} can run here (Linux with koffi and glibc). */
export const canSpawnDetached = (): boolean => loadLibc() !== undefined;

/**
 * posix_spawn(3) of `path` in a new session with pipes on the given fds, every signal at its
 * default and none blocked. glibc spawns with CLONE_VFORK, so unlike child_process.spawn (a fork
 * of the whole engine, 4-10 ms of its event loop here) the cost does not grow with the engine's
 * memory. The child is reaped on a worker thread (short-lived children), or on SIGCHLD (`reap:
 * 'sigchld'`, for children that may live long: each would hold a pool thread otherwise).
 */
export function spawnDetachedProcess(
  path: string,
  args: string[],
  env: Record<string, string | undefined>,
  fds: ChildFd[],
  options: { reap?: 'worker-thread' | 'sigchld' } = {},
): DetachedProcess {
  const c = loadLibc();
  if (!c) throw new Error('posix_spawn is not available here');
  const fa = Buffer.alloc(256);
  const attr = Buffer.alloc(512);
  const sigs = Buffer.alloc(128);
  const opened: number[] = [];
  const childEnds: number[] = [];
  const parentEnds = new Map<number, { fd: number; mode: 'read' | 'write' }>();
  try {
    if (c.faInit(fa) !== 0 || c.attrInit(attr) !== 0) throw new Error('posix_spawn: cannot set up');
    fds.forEach((kind, childFd) => {
      if (kind === 'null') {
        c.faOpen(fa, childFd, '/dev/null', O_RDWR, 0);
        return;
      }
      const pair = new Int32Array(2);
      if (c.pipe2(pair, O_CLOEXEC) !== 0) throw new Error('pipe2 failed');
      opened.push(pair[0]!, pair[1]!);
      // The child reads what the parent writes, and the other way round.
      const [childEnd, parentEnd] = kind === 'read' ? [pair[1]!, pair[0]!] : [pair[0]!, pair[1]!];
      childEnds.push(childEnd);
      parentEnds.set(childFd, { fd: parentEnd, mode: kind });
      c.faDup2(fa, childEnd, childFd);
    });
    c.sigEmpty(sigs);
    c.attrSetSigMask(attr, sigs);
    c.sigFill(sigs);
    c.attrSetSigDefault(attr, sigs);
    c.attrSetFlags(attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    const envp = Object.entries(env).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`);
    const pid = new Int32Array(1);
    const rc = c.spawn(pid, path, fa, attr, [path, ...args, null], [...envp, null]);
    if (rc !== 0) throw Object.assign(new Error(`posix_spawn ${path}: errno ${rc}`), { errno: rc, code: rc === 2 ? 'ENOENT' : rc === 13 ? 'EACCES' : undefined });
    for (const fd of childEnds) closeSync(fd);
    const pipes = new Map<number, Socket>();
    for (const [childFd, end] of parentEnds) pipes.set(childFd, new Socket({ fd: end.fd, readable: end.mode === 'read', writable: end.mode === 'write' }));
    const status = new Int32Array(1);
    const exited = options.reap === 'sigchld' ? reapOnSigchld(pid[0]!) : new Promise<number>((resolve) =>
      c.waitpid.async(pid[0]!, status, 0, (err, result) => {
        if (err || result !== pid[0]) return resolve(255);
        const s = status[0]!;
        resolve((s & 0x7f) === 0 ? (s >> 8) & 0xff : 128 + (s & 0x7f));
      }),
    );
    return { pid: pid[0]!, pipes, exited };
  } catch (e) {
    for (const fd of opened) {
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
    }
    throw e;
  } finally {
    c.faDestroy(fa);
    c.attrDestroy(attr);
  }
}
