import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContainerRuntimeSpec, ExecProcess, ExecRuntimeSpec, LogRecord } from '@strata/core';
import type { RuncRuntime } from '../runc-runtime.js';
import { fixtureRoot, type FixtureRoot } from '../testing/fixture-images.js';
import { execProcessSpec, mergeEnv } from './exec-process-spec.js';
import { disposeTestRuntime, testRuntime } from '../testing/test-runtime.js';

const missing = ['/usr/sbin/runc', '/usr/bin/conmon'].filter((p) => !existsSync(p));
const skipReason = process.getuid?.() !== 0 ? 'not root' : missing.length ? `missing ${missing.join(', ')} (apt-get install runc conmon)` : '';
if (skipReason) console.log(`container io runtime tests skipped: ${skipReason}`);

const PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

describe('exec process spec', () => {
  it('merges -e into the container environment as Docker does: same key replaced in place, new keys appended', () => {
    expect(mergeEnv([PATH, 'A=1', 'B=2'], ['B=3', 'C=4', 'A='])).toEqual([PATH, 'A=', 'B=3', 'C=4']);
  });

  it('takes the container process and overrides argv, env, cwd, user, tty; --privileged gets the host bounding set', () => {
    const container = {
      user: { uid: 0, gid: 0 },
      env: [PATH, 'HOME=/root'],
      cwd: '/srv',
      capabilities: { bounding: ['CAP_CHOWN'], effective: ['CAP_CHOWN'], permitted: ['CAP_CHOWN'] },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      terminal: false,
    };
    const spec: ExecRuntimeSpec = { execId: 'e'.repeat(64), args: ['id'], env: ['HOME=/tmp'], cwd: '', user: '', tty: true, privileged: false, stdin: false, attached: true };
    expect(execProcessSpec(container, spec, undefined, new Set(['CAP_CHOWN', 'CAP_SYS_ADMIN']))).toEqual({
      ...container,
      terminal: true,
      user: { uid: 0, gid: 0 },
      args: ['id'],
      env: [PATH, 'HOME=/tmp'],
      cwd: '/srv',
    });
    const privileged = execProcessSpec(container, { ...spec, privileged: true, cwd: '/etc' }, { uid: 7, gid: 8, additionalGids: [9] }, new Set(['CAP_CHOWN', 'CAP_SYS_ADMIN']));
    expect(privileged).toMatchObject({
      user: { uid: 7, gid: 8, additionalGids: [9] },
      cwd: '/etc',
      capabilities: { bounding: ['CAP_CHOWN', 'CAP_SYS_ADMIN'], effective: ['CAP_CHOWN', 'CAP_SYS_ADMIN'], permitted: ['CAP_CHOWN', 'CAP_SYS_ADMIN'] },
    });
  });
});

describe.skipIf(skipReason !== '')('stdin, resize and exec of real containers under conmon', () => {
  let fx: FixtureRoot;
  let runtime: RuncRuntime;
  const cgroupParent = `strata-io-test-${process.pid}`;
  const created: string[] = [];

  const start = async (args: string[], io: Partial<ContainerRuntimeSpec['process']> = {}): Promise<string> => {
    const id = randomBytes(32).toString('hex');
    created.push(id);
    await runtime.prepare({
      id,
      name: `io-${id.slice(0, 6)}`,
      hostname: id.slice(0, 12),
      layers: fx.layers['01-base'],
      process: { args, env: [PATH], cwd: '/', user: '', tty: false, openStdin: false, stdinOnce: false, ...io },
    });
    await runtime.start(id);
    return id;
  };
  const logText = async (id: string) => {
    const out: LogRecord[] = [];
    for await (const r of runtime.logs(id)) out.push(r);
    return Buffer.concat(out.map((r) => r.bytes)).toString('utf8');
  };
  const execSpec = (args: string[], extra: Partial<ExecRuntimeSpec> = {}): ExecRuntimeSpec => ({
    execId: randomBytes(32).toString('hex'),
    args,
    env: [],
    cwd: '',
    user: '',
    tty: false,
    privileged: false,
    stdin: false,
    attached: true,
    ...extra,
  });
  const drain = async (p: ExecProcess) => {
    const out = { stdout: '', stderr: '' };
    for await (const chunk of p.output) out[chunk.stream] += Buffer.from(chunk.bytes).toString('utf8');
    return { ...out, code: await p.exit };
  };

  beforeAll(async () => {
    fx = await fixtureRoot(['01-base']);
    runtime = testRuntime(fx, cgroupParent);
  });

  afterAll(async () => {
    expect(await disposeTestRuntime(runtime, fx, created, cgroupParent)).toEqual([]);
  });

  it('attachStdin: bytes reach the process; ending the connection closes a StdinOnce stdin (the process sees EOF)', async () => {
    const id = await start(['sh', '-c', 'cat; echo done; exit 6'], { openStdin: true, stdinOnce: true });
    const stdin = await runtime.attachStdin!(id);
    await stdin.write(new TextEncoder().encode('first\n'));
    // Above conmon's 32768-byte packet limit: the connection splits it.
    await stdin.write(new Uint8Array(40_000).fill(0x61));
    stdin.end();
    expect((await runtime.waitExit(id)).exitCode).toBe(6);
    stdin.close();
    expect(await logText(id)).toBe(`first\n${'a'.repeat(40_000)}done\n`);
  });

  it('resize sets the pty size of a tty container', async () => {
    const id = await start(['sh', '-c', 'read x; stty size; exit 0'], { tty: true, openStdin: true, stdinOnce: true });
    await runtime.resize!(id, { height: 40, width: 132 });
    const stdin = await runtime.attachStdin!(id);
    await stdin.write(new TextEncoder().encode('\r'));
    expect((await runtime.waitExit(id)).exitCode).toBe(0);
    stdin.close();
    expect(await logText(id)).toContain('40 132\r\n');
  });

  it('exec: separate streams and the exit code, stdin with half-close, a tty with its size, -u, -w, -e', async () => {
    const id = await start(['sleep', '300']);
    expect(await drain(await runtime.exec!(id, execSpec(['sh', '-c', 'echo out; echo err >&2; exit 5'])))).toEqual({ stdout: 'out\n', stderr: 'err\n', code: 5 });

    const cat = await runtime.exec!(id, execSpec(['sh', '-c', 'cat; echo eof'], { stdin: true }));
    expect(cat.pid).toBeGreaterThan(0);
    await cat.stdin!.write(new TextEncoder().encode('piped\n'));
    cat.stdin!.end();
    expect(await drain(cat)).toEqual({ stdout: 'piped\neof\n', stderr: '', code: 0 });

    const tty = await runtime.exec!(id, execSpec(['sh', '-c', 'echo ready; read x; stty size; tty; exit 3'], { tty: true, stdin: true }));
    await tty.resize({ height: 25, width: 80 });
    let ttyOut = '';
    for await (const chunk of tty.output) {
      ttyOut += Buffer.from(chunk.bytes).toString('utf8');
      // conmon drops input that arrives before it holds the pty: type once the shell has spoken.
      if (ttyOut.includes('ready\r\n') && !ttyOut.includes('typed')) {
        ttyOut += 'typed';
        await tty.stdin!.write(new TextEncoder().encode('\r'));
      }
    }
    expect(await tty.exit).toBe(3);
    expect(ttyOut).toMatch(/^ready\r\ntyped\r\n25 80\r\n\/dev\/pts\/\d+\r\n$/);

    const who = await drain(await runtime.exec!(id, execSpec(['sh', '-c', 'id -u; pwd; echo $FOO'], { user: '1000:1000', cwd: '/etc', env: ['FOO=bar'] })));
    expect(who).toEqual({ stdout: '1000\n/etc\nbar\n', stderr: '', code: 0 });
  });

  it('exec of a missing command fails with runc\'s message; exec in a stopped container is refused', async () => {
    const id = await start(['sleep', '300']);
    await expect(runtime.exec!(id, execSpec(['nosuch']))).rejects.toThrow(
      'OCI runtime exec failed: exec failed: unable to start container process: exec: "nosuch": executable file not found in $PATH: unknown',
    );
    await runtime.kill(id, 'KILL');
    await runtime.waitExit(id);
    await expect(runtime.exec!(id, execSpec(['true']))).rejects.toThrow(`Container ${id} is not running`);
  });
});
