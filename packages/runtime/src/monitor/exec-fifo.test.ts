import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCommand } from '../host-command.js';
import { releaseExecFifo } from './exec-fifo.js';

const ID = 'b'.repeat(64);

describe("runc's exec fifo released in place of `runc start`", () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'strata-exec-fifo-'));
    await mkdir(join(root, ID));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('reads the byte runc init writes (a blocking write-open, as runc init does) and removes the fifo', async () => {
    const fifo = join(root, ID, 'exec.fifo');
    expect((await runCommand('mkfifo', [fifo])).code).toBe(0);
    // A shell stands in for runc init: its redirection blocks until a reader opens the fifo.
    const init = spawn('sh', ['-c', `sleep 0.2; printf 0 > ${fifo}; echo exec`], { stdio: ['ignore', 'pipe', 'inherit'] });
    const out: Buffer[] = [];
    init.stdout.on('data', (b: Buffer) => out.push(b));
    const exited = new Promise((resolve) => init.on('close', resolve));
    try {
      expect(await releaseExecFifo(root, ID, init.pid!)).toBe('started');
      expect(existsSync(fifo)).toBe(false);
      await exited;
      expect(Buffer.concat(out).toString()).toBe('exec\n');
    } finally {
      init.kill('SIGKILL');
    }
  });

  it('counts a byte written by a process that exited before the byte was read as started', async () => {
    const fifo = join(root, ID, 'exec.fifo');
    expect((await runCommand('mkfifo', [fifo])).code).toBe(0);
    // Writer done and gone before the release begins: its pid is dead, its byte waits in the pipe.
    const writer = spawn('sh', ['-c', `printf 0 > ${fifo}`]);
    const released = releaseExecFifo(root, ID, writer.pid!);
    await new Promise((resolve) => writer.on('close', resolve));
    expect(await released).toBe('started');
  });

  it('says so when there is no fifo (runc start must do it) or when the init process died before writing', async () => {
    expect(await releaseExecFifo(root, 'c'.repeat(64), process.pid)).toBe('no-fifo');
    const fifo = join(root, ID, 'exec.fifo');
    expect((await runCommand('mkfifo', [fifo])).code).toBe(0);
    const dead = spawn('true');
    await new Promise((resolve) => dead.on('close', resolve));
    expect(await releaseExecFifo(root, ID, dead.pid!)).toBe('init-gone');
    expect(existsSync(fifo)).toBe(true);
  });
});
