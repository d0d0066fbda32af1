import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecProcess, ExecRuntimeSpec } from '@strata/core';
import { containerLayout } from '../container/container-layout.js';
import type { RuncRuntime } from '../runc-runtime.js';
import { fixtureRoot, type FixtureRoot } from '../testing/fixture-images.js';
import { disposeTestRuntime, testRuntime } from '../testing/test-runtime.js';

const missing = ['/usr/sbin/runc', '/usr/bin/conmon'].filter((p) => !existsSync(p));
const skipReason = process.getuid?.() !== 0 ? 'not root' : missing.length ? `missing ${missing.join(', ')} (apt-get install runc conmon)` : '';
if (skipReason) console.log(`runc exec tests skipped: ${skipReason}`);

const PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The command line of a process's parent, NUL-separated arguments joined by spaces. */
const parentCommand = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  return readFileSync(`/proc/${ppid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
};

describe.skipIf(skipReason !== '')('exec without a terminal: runc exec run by the engine itself', () => {
  let fx: FixtureRoot;
  let runtime: RuncRuntime;
  const cgroupParent = `strata-runc-exec-test-${process.pid}`;
  const created: string[] = [];

  const start = async (): Promise<string> => {
    const id = randomBytes(32).toString('hex');
    created.push(id);
    await runtime.prepare({
      id,
      name: `rx-${id.slice(0, 6)}`,
      hostname: id.slice(0, 12),
      layers: fx.layers['01-base'],
      process: { args: ['sleep', '300'], env: [PATH], cwd: '/', user: '', tty: false, openStdin: false, stdinOnce: false },
    });
    await runtime.start(id);
    return id;
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
    for await (const chunk of p.output) out[chunk.stream] += Buffer.from(chunk.bytes).toString('latin1');
    return { ...out, code: await p.exit };
  };
  const execDirs = (id: string) => {
    const dir = join(fx.dir, 'runc', id, 'exec');
    return existsSync(dir) ? readdirSync(dir) : [];
  };

  beforeAll(async () => {
    fx = await fixtureRoot(['01-base']);
    runtime = testRuntime(fx, cgroupParent);
  });

  afterAll(async () => {
    expect(await disposeTestRuntime(runtime, fx, created, cgroupParent)).toEqual([]);
  });

  it('the process is a child of `runc exec` (no conmon), its files in runc\'s state dir; its streams stay apart and its exit code is its own, 255 included', async () => {
    const id = await start();
    const spec = execSpec(['sh', '-c', 'read x; echo out; echo err >&2; exit 255'], { stdin: true });
    const p = await runtime.exec!(id, spec);
    expect(p.pid).toBeGreaterThan(0);
    // Its files sit in runc's state dir (the run dir), none in the data root.
    expect(readFileSync(join(fx.dir, 'runc', id, 'exec', spec.execId, 'pid'), 'utf8')).toBe(String(p.pid));
    expect(existsSync(join(containerLayout(fx.dir, id).dir, 'exec'))).toBe(false);
    expect(parentCommand(p.pid)).toMatch(/^\/usr\/sbin\/runc --root \S+ exec --process \S+\/process\.json --pid-file \S+ [0-9a-f]{64}$/);
    // The pid is the process's in the host's namespace: its cgroup is the container's.
    expect(readFileSync(`/proc/${p.pid}/cgroup`, 'utf8')).toContain(id);
    p.stdin!.end();
    expect(await drain(p)).toEqual({ stdout: 'out\n', stderr: 'err\n', code: 255 });
    const killed = await runtime.exec!(id, execSpec(['sh', '-c', 'kill -KILL $$']));
    expect(await drain(killed)).toEqual({ stdout: '', stderr: '', code: 137 });
    await expect.poll(() => execDirs(id), { timeout: 10_000 }).toEqual([]);
  });

  it('stdin larger than a pipe holds comes back whole, and the process sees its end', async () => {
    const id = await start();
    const input = randomBytes(300_000).toString('latin1');
    const p = await runtime.exec!(id, execSpec(['sh', '-c', 'cat; echo " eof"'], { stdin: true }));
    const written = (async () => {
      for (let at = 0; at < input.length; at += 50_000) await p.stdin!.write(Buffer.from(input.slice(at, at + 50_000), 'latin1'));
      p.stdin!.end();
    })();
    const out = await drain(p);
    await written;
    expect(out.code).toBe(0);
    expect(out.stdout.length).toBe(input.length + 5);
    expect(out.stdout === `${input} eof\n`).toBe(true);
  });

  it('a detached exec runs to its end with its output dropped', async () => {
    const id = await start();
    const p = await runtime.exec!(id, execSpec(['sh', '-c', 'echo dropped; echo made > /marker; exit 3'], { attached: false }));
    expect(await drain(p)).toEqual({ stdout: '', stderr: '', code: 3 });
    expect(await drain(await runtime.exec!(id, execSpec(['cat', '/marker'])))).toEqual({ stdout: 'made\n', stderr: '', code: 0 });
  });

  it("runc's own failure is Docker's error, not an exit code, and leaves no exec dir", async () => {
    const id = await start();
    await expect(runtime.exec!(id, execSpec(['/nosuch']))).rejects.toThrow(
      'OCI runtime exec failed: exec failed: unable to start container process: exec: "/nosuch": stat /nosuch: no such file or directory: unknown',
    );
    await expect(runtime.exec!(id, execSpec(['true'], { cwd: '/nowhere' }))).rejects.toThrow(/^OCI runtime exec failed: exec failed: .*\/nowhere.*: unknown$/);
    expect(execDirs(id)).toEqual([]);
  });

  it('a running exec ends when the container is killed', async () => {
    const id = await start();
    const p = await runtime.exec!(id, execSpec(['sleep', '300']));
    await runtime.kill(id, 'KILL');
    await runtime.waitExit(id);
    expect(await drain(p)).toEqual({ stdout: '', stderr: '', code: 137 });
    expect(existsSync(`/proc/${p.pid}`)).toBe(false);
  });
});
