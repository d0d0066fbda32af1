import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StrataError, type ExecProcess, type ExecRuntimeSpec } from '@strata/core';
import type { ContainerLayout } from '../container/container-layout.js';
import { resolveContainerUser } from '../container/container-user.js';
import type { RuncCli } from '../monitor/runc-cli.js';
import { launchConmonExec } from './conmon-exec.js';
import { launchRuncExec } from './runc-exec.js';
import { execProcessSpec, type ContainerProcess } from './exec-process-spec.js';

export interface ContainerExec {
  conmon: string;
  runc: RuncCli;
  layout: ContainerLayout;
  containerId: string;
  name: string;
  spec: ExecRuntimeSpec;
  hostCapabilities: ReadonlySet<string>;
}

/**
 * Where a runc-run exec keeps its process.json and pid file: in runc's own state dir of the
 * container, which lives on the run dir (tmpfs, as dockerd's exec root) rather than in the data
 * root, where runc's O_SYNC pid file costs a journal commit (3-8 ms on the benchmark's ext4) on the
 * path of every exec. runc's delete removes whatever an ended exec left there.
 */
function runcExecDir(runcRoot: string, containerId: string, execId: string): string {
  const execs = join(runcRoot, containerId, 'exec');
  try {
    // Not recursive: without runc's state dir the container is not running, and none is made up here.
    mkdirSync(execs, { mode: 0o700 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new StrataError('conflict', `Container ${containerId} is not running`);
    if (code !== 'EEXIST') throw err;
  }
  const dir = join(execs, execId);
  mkdirSync(dir, { mode: 0o700 });
  return dir;
}

/**
 * docker exec in a running container: the process spec derived from the container's config.json
 * (the user resolved in the container's own /etc/passwd), written to the exec's own dir, then run
 * by runc directly (no terminal: pipes, as containerd's shim runs it) or, with a terminal, under
 * conmon, which owns the pty and its resizes.
 */
export async function execInContainer(e: ContainerExec): Promise<ExecProcess> {
  // Synchronous: a few small files, where each thread-pool round trip costs milliseconds on a loaded machine.
  const config = JSON.parse(readFileSync(e.layout.config, 'utf8')) as { process: ContainerProcess };
  const user = e.spec.user ? await resolveContainerUser(e.layout.merged, e.spec.user) : undefined;
  const dir = e.spec.tty ? join(e.layout.dir, 'exec', e.spec.execId) : runcExecDir(e.runc.root, e.containerId, e.spec.execId);
  // conmon's exit dir only where conmon runs the exec (with a terminal).
  if (e.spec.tty) mkdirSync(join(dir, 'exits'), { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, 'process.json'), JSON.stringify(execProcessSpec(config.process, e.spec, user, e.hostCapabilities)));
  if (!e.spec.tty) {
    return launchRuncExec({ runc: e.runc, containerId: e.containerId, dir, stdin: e.spec.stdin, attached: e.spec.attached });
  }
  return launchConmonExec({
    conmon: e.conmon,
    runc: e.runc,
    containerId: e.containerId,
    execId: e.spec.execId,
    name: e.name,
    dir,
    tty: e.spec.tty,
    stdin: e.spec.stdin,
    attached: e.spec.attached,
  });
}
