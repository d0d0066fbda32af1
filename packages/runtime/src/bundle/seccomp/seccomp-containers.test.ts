import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContainerRuntimeSpec, ExecProcess, LogRecord } from '@strata/core';
import type { RuncRuntime } from '../../runc-runtime.js';
import { fixtureRoot, type FixtureRoot } from '../../testing/fixture-images.js';
import { disposeTestRuntime, testRuntime } from '../../testing/test-runtime.js';

const missing = ['/usr/sbin/runc', '/usr/bin/conmon'].filter((p) => !existsSync(p));
const skipReason = process.getuid?.() !== 0 ? 'not root' : missing.length ? `missing ${missing.join(', ')} (apt-get install runc conmon)` : '';
if (skipReason) console.log(`seccomp container tests skipped: ${skipReason}`);

const PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
// Seccomp mode of PID 1 and of the shell, then a user namespace: unshare(2) needs CAP_SYS_ADMIN
// under Docker's profile, but not under the kernel alone (user namespaces need no capability).
const PROBE = 'exec 2>&1; grep Seccomp: /proc/1/status; grep Seccomp: /proc/self/status; unshare -U true && echo unshare-ok';

describe.skipIf(skipReason !== '')('seccomp of real containers under runc', () => {
  let fx: FixtureRoot;
  let runtime: RuncRuntime;
  const cgroupParent = `strata-seccomp-test-${process.pid}`;
  const created: string[] = [];

  const prepare = async (args: string[], extra: Partial<ContainerRuntimeSpec> = {}): Promise<string> => {
    const id = randomBytes(32).toString('hex');
    created.push(id);
    await runtime.prepare({
      id,
      name: `sc-${id.slice(0, 6)}`,
      hostname: id.slice(0, 12),
      layers: fx.layers['01-base'],
      process: { args, env: [PATH], cwd: '/', user: '', tty: false, openStdin: false, stdinOnce: false },
      ...extra,
    });
    return id;
  };
  const run = async (args: string[], extra: Partial<ContainerRuntimeSpec> = {}) => {
    const id = await prepare(args, extra);
    await runtime.start(id);
    const exit = await runtime.waitExit(id);
    const out: LogRecord[] = [];
    for await (const r of runtime.logs(id)) out.push(r);
    return { exitCode: exit.exitCode, text: Buffer.concat(out.map((r) => r.bytes)).toString('utf8') };
  };
  const drain = async (p: ExecProcess) => {
    let text = '';
    for await (const chunk of p.output) text += Buffer.from(chunk.bytes).toString('utf8');
    return { text, code: await p.exit };
  };

  beforeAll(async () => {
    fx = await fixtureRoot(['01-base']);
    runtime = testRuntime(fx, cgroupParent);
  });

  afterAll(async () => {
    expect(await disposeTestRuntime(runtime, fx, created, cgroupParent)).toEqual([]);
  });

  it("default: Docker's profile filters PID 1 (Seccomp: 2) and unshare(2) fails with EPERM", async () => {
    const r = await run(['sh', '-c', PROBE]);
    expect(r.text).toBe('Seccomp:\t2\nSeccomp:\t2\nunshare: unshare(0x10000000): Operation not permitted\n');
    expect(r.exitCode).toBe(1);
  });

  it('seccomp=unconfined: no filter (Seccomp: 0) and the same unshare works', async () => {
    const r = await run(['sh', '-c', PROBE], { seccomp: { mode: 'unconfined' } });
    expect(r.text).toBe('Seccomp:\t0\nSeccomp:\t0\nunshare-ok\n');
    expect(r.exitCode).toBe(0);
  });

  it("a user's profile applies as given: mkdir refused with its errnoRet, everything else allowed", async () => {
    const profile = JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }] });
    const r = await run(['sh', '-c', 'exec 2>&1; grep Seccomp: /proc/1/status; mkdir /made; unshare -U true && echo unshare-ok'], { seccomp: { mode: 'profile', profile } });
    expect(r.text).toBe("Seccomp:\t2\nmkdir: can't create directory '/made': Permission denied\nunshare-ok\n");
  });

  it("exec processes run under the container's filter", async () => {
    const id = await prepare(['sleep', '60']);
    await runtime.start(id);
    const execSpec = { args: ['sh', '-c', PROBE], env: [], cwd: '', user: '', tty: false, stdin: false, attached: true };
    const plain = await drain(await runtime.exec!(id, { ...execSpec, execId: randomBytes(32).toString('hex'), privileged: false }));
    expect(plain).toEqual({ text: 'Seccomp:\t2\nSeccomp:\t2\nunshare: unshare(0x10000000): Operation not permitted\n', code: 1 });
    // `docker exec --privileged` adds capabilities, not a new filter: the container's, built for its
    // own capabilities, still refuses unshare (as under dockerd, where runc exec applies the container's).
    const privileged = await drain(await runtime.exec!(id, { ...execSpec, execId: randomBytes(32).toString('hex'), privileged: true }));
    expect(privileged).toEqual({ text: 'Seccomp:\t2\nSeccomp:\t2\nunshare: unshare(0x10000000): Operation not permitted\n', code: 1 });
    await runtime.kill(id, 'KILL');
    await runtime.waitExit(id);
  });
});
