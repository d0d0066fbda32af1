import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContainerRuntimeSpec, LogRecord } from '@strata/core';
import { nodeCodecs, nodeHasher } from '@strata/storage';
import { removeCgroupDirs } from '../container/cgroup-dirs.js';
import { containerLayout } from '../container/container-layout.js';
import { runCommand } from '../host-command.js';
import { createRuncRuntime, type RuncRuntime } from '../runc-runtime.js';
import { fixtureRoot, type FixtureRoot } from '../testing/fixture-images.js';
import { canLaunchEarly } from './early-launch.js';

const RUNC = '/usr/sbin/runc';
const CONMON = '/usr/bin/conmon';
const missing = [RUNC, CONMON].filter((p) => !existsSync(p));
const skipReason = process.getuid?.() !== 0 ? 'not root' : missing.length ? `missing ${missing.join(', ')} (apt-get install runc conmon)` : '';
if (skipReason) console.log(`early launch tests skipped: ${skipReason}`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether `pid` is a live conmon of container `id`. */
async function isConmonOf(pid: number, id: string): Promise<boolean> {
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return cmdline.includes('conmon') && cmdline.includes(id);
}

/** PIDs of live conmon processes whose command line names container `id`. */
async function conmonsOf(id: string): Promise<number[]> {
  const pids = (await readdir('/proc')).filter((name) => /^[0-9]+$/.test(name)).map(Number);
  const found: number[] = [];
  for (const pid of pids) if (await isConmonOf(pid, id)) found.push(pid);
  return found;
}

describe('canLaunchEarly', () => {
  const base = { id: 'x', name: 'x', hostname: 'x', layers: [], process: { args: ['true'], env: [], cwd: '/', user: '', tty: false, openStdin: false, stdinOnce: false } };
  it('only when a start comes next and the start would not change the bundle first', () => {
    expect(canLaunchEarly({ ...base, startsNext: true })).toBe(true);
    expect(canLaunchEarly({ ...base, startsNext: true, network: { mode: 'none' } })).toBe(true);
    expect(canLaunchEarly({ ...base })).toBe(false);
    expect(canLaunchEarly({ ...base, startsNext: true, network: { mode: 'bridge', sandboxKey: '/run/netns/x' } })).toBe(false);
    expect(canLaunchEarly({ ...base, startsNext: true, network: { mode: 'host' } })).toBe(false);
  });
});

describe.skipIf(skipReason !== '')('runc runtime: a container started next is launched at prepare', () => {
  let fx: FixtureRoot;
  let runtime: RuncRuntime;
  let runcRoot: string;
  const cgroupParent = `strata-early-${process.pid}`;
  const created: string[] = [];

  const spec = (args: string[], extra: Partial<ContainerRuntimeSpec> = {}): ContainerRuntimeSpec => {
    const id = randomBytes(32).toString('hex');
    created.push(id);
    return {
      id,
      name: `early-${id.slice(0, 6)}`,
      hostname: id.slice(0, 12),
      layers: fx.layers['01-base'],
      process: { args, env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], cwd: '/', user: '', tty: false, openStdin: false, stdinOnce: false },
      volatile: true,
      startsNext: true,
      ...extra,
    };
  };

  /** Resolves once runc keeps state for the container (its `runc create` is done), within 30 s. */
  const runcCreated = async (id: string) => {
    for (let i = 0; i < 600 && !existsSync(join(runcRoot, id, 'state.json')); i++) await sleep(50);
    return existsSync(join(runcRoot, id, 'state.json'));
  };

  const output = async (id: string) => {
    const records: LogRecord[] = [];
    for await (const r of runtime.logs(id)) records.push(r);
    return Buffer.concat(records.map((r) => r.bytes)).toString('utf8');
  };

  beforeAll(async () => {
    fx = await fixtureRoot(['01-base']);
    runcRoot = join(fx.dir, 'runc');
    runtime = createRuncRuntime({ dataRoot: fx.dir, content: fx.dataRoot.content, codecs: nodeCodecs, hasher: nodeHasher, runcRoot, cgroupParent });
    expect(await runtime.available()).toEqual({ ok: true });
  });

  afterAll(async () => {
    const failures: unknown[] = [];
    for (const id of created) await runtime?.remove(id).catch((e) => failures.push(e));
    await removeCgroupDirs(`/${cgroupParent}`);
    await fx?.close();
    expect(failures).toEqual([]);
  });

  it('runc has created the container before the start, which runs it with its output and exit code', async () => {
    const s = spec(['sh', '-c', 'echo early; exit 5']);
    await runtime.prepare(s);
    expect(await runcCreated(s.id)).toBe(true);
    const runcState = await runCommand(RUNC, ['--root', runcRoot, 'state', s.id]);
    expect(JSON.parse(runcState.stdout).status).toBe('created');
    // Not started yet, whatever runc says.
    expect((await runtime.state(s.id)).status).toBe('prepared');
    const started = await runtime.start(s.id);
    expect(started.pid).toBe(JSON.parse(runcState.stdout).pid);
    expect((await runtime.waitExit(s.id)).exitCode).toBe(5);
    expect(await output(s.id)).toBe('early\n');
  });

  it('prepare returns with the bundle written and conmon released, so runc create runs while the engine writes its record and answers', async () => {
    const s = spec(['busybox', 'true']);
    await runtime.prepare(s);
    // Checked at once: nothing of the launch is left for after prepare.
    const layout = containerLayout(fx.dir, s.id);
    expect(existsSync(layout.config)).toBe(true);
    expect(JSON.parse(await readFile(layout.config, 'utf8')).process.args).toEqual(['busybox', 'true']);
    expect(await runcCreated(s.id)).toBe(true);
    await runtime.start(s.id);
    expect((await runtime.waitExit(s.id)).exitCode).toBe(0);
  });

  it('a removal before any start takes down runc\'s container and conmon and leaves no exit file', async () => {
    const s = spec(['busybox', 'true']);
    await runtime.prepare(s);
    expect(await runcCreated(s.id)).toBe(true);
    const layout = containerLayout(fx.dir, s.id);
    const conmonPid = Number((await readFile(layout.conmonPidFile, 'utf8')).trim());
    expect(await isConmonOf(conmonPid, s.id)).toBe(true);
    await runtime.remove(s.id);
    expect(existsSync(join(runcRoot, s.id))).toBe(false);
    expect(await isConmonOf(conmonPid, s.id)).toBe(false);
    expect(existsSync(layout.exitFile)).toBe(false);
    expect(existsSync(layout.dir)).toBe(false);
  });

  it('a command that cannot run and an unknown user fail at start with a start\'s errors', async () => {
    const noCommand = spec(['no-such-command']);
    await runtime.prepare(noCommand);
    await expect(runtime.start(noCommand.id)).rejects.toThrow(/exec: "no-such-command": executable file not found in \$PATH/);
    const noUser = spec(['busybox', 'true'], { process: { ...spec([]).process, args: ['busybox', 'true'], user: 'nosuch' } });
    await runtime.prepare(noUser);
    await expect(runtime.start(noUser.id)).rejects.toThrow('unable to find user nosuch: no matching entries in passwd file');
    // The conmon spawned at prepare for it was killed before it ran anything (a killed process stays in
    // /proc until it has died and been reaped, so this is looked at until then).
    await expect.poll(() => conmonsOf(noUser.id), { timeout: 10_000 }).toEqual([]);
  });

  it('a copy into the root before the start launches again, so the start resolves the user from the files as they are then', async () => {
    const s = spec(['id', '-g'], { process: { ...spec([]).process, args: ['id', '-g'], user: '1000' } });
    await runtime.prepare(s);
    expect(await runcCreated(s.id)).toBe(true);
    await runtime.files!(s.id);
    expect(existsSync(join(runcRoot, s.id))).toBe(false);
    // What `docker cp passwd c:/etc/passwd` does: the image has no /etc/passwd, so uid 1000 had group 0.
    await writeFile(join(containerLayout(fx.dir, s.id).merged, 'etc', 'passwd'), 'tester:x:1000:4242::/home/tester:/bin/sh\n');
    await runtime.start(s.id);
    expect((await runtime.waitExit(s.id)).exitCode).toBe(0);
    expect(await output(s.id)).toBe('4242\n');
  });
});
