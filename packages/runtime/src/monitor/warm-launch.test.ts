import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, rmSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContainerRuntimeSpec, LogRecord } from '@strata/core';
import { nodeCodecs, nodeHasher } from '@strata/storage';
import { removeCgroupDirs } from '../container/cgroup-dirs.js';
import { containerLayout } from '../container/container-layout.js';
import { createRuncRuntime, type RuncRuntime } from '../runc-runtime.js';
import { fixtureRoot, type FixtureRoot } from '../testing/fixture-images.js';
import { ConfigGate, refuseLeftoverGate } from './config-gate.js';

const missing = ['/usr/sbin/runc', '/usr/bin/conmon'].filter((p) => !existsSync(p));
const skipReason = process.getuid?.() !== 0 ? 'not root' : missing.length ? `missing ${missing.join(', ')} (apt-get install runc conmon)` : '';
if (skipReason) console.log(`warm launch tests skipped: ${skipReason}`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What `cat <fifo>` read, once it ends. */
function catOf(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('cat', [path], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
    child.on('error', reject);
    child.on('close', () => resolve(out));
  });
}

/** PIDs of live processes whose command line names `id` (conmon, runc). */
async function processesOf(id: string): Promise<number[]> {
  const found: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^[0-9]+$/.test(name)) continue;
    const cmdline = await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(id) && (cmdline.includes('conmon') || cmdline.includes('runc'))) found.push(Number(name));
  }
  return found;
}

async function until(check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(20);
  }
  return check();
}

describe('ConfigGate', () => {
  const work = mkdtempSync(join(tmpdir(), 'strata-config-gate-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('a reader that opened before the write gets the whole text, larger than a pipe, once the gate closes', async () => {
    const gate = ConfigGate.create(join(work, 'a.json'))!;
    expect(lstatSync(gate.path).isFIFO()).toBe(true);
    const read = catOf(gate.path);
    const text = `${JSON.stringify({ pad: 'x'.repeat(200_000) })}\n`;
    await gate.write(text);
    gate.close();
    expect(await read).toBe(text);
  });

  it('bytes written before the reader opens wait in the pipe; refuse() gives it what no JSON parser takes', async () => {
    const gate = ConfigGate.create(join(work, 'b.json'))!;
    await gate.write('{"early":true}\n');
    gate.refuse();
    const read = catOf(gate.path);
    await sleep(50);
    gate.close();
    expect(await read).toBe('{"early":true}\n!\n');
  });

  it('a leftover gate (its engine gone) lets a waiting reader go with the refusal', async () => {
    const gate = ConfigGate.create(join(work, 'c.json'))!;
    gate.close();
    // Nobody holds it now: a reader blocks in open until refuseLeftoverGate comes.
    const read = catOf(join(work, 'c.json'));
    await sleep(50);
    refuseLeftoverGate(join(work, 'c.json'));
    expect(await read).toBe('!\n');
    // A plain file is left alone.
    refuseLeftoverGate(join(work, 'missing.json'));
  });

  it('a path that exists already is not made a gate', () => {
    ConfigGate.create(join(work, 'd.json'))!.close();
    expect(ConfigGate.create(join(work, 'd.json'))).toBeUndefined();
  });
});

describe.skipIf(skipReason !== '')('runc runtime: a warm launch for the next docker run --rm', () => {
  let fx: FixtureRoot;
  let runtime: RuncRuntime;
  const cgroupParent = `strata-warm-${process.pid}`;
  const created: string[] = [];
  const runtimeOn = (dir: string) =>
    createRuncRuntime({ dataRoot: dir, content: fx.dataRoot.content, codecs: nodeCodecs, hasher: nodeHasher, runcRoot: join(dir, 'runc'), cgroupParent });

  const spec = (id: string, args: string[], extra: Partial<ContainerRuntimeSpec> = {}): ContainerRuntimeSpec => ({
    id,
    name: `warm-${id.slice(0, 6)}`,
    hostname: id.slice(0, 12),
    layers: fx.layers['01-base'],
    process: { args, env: ['PATH=/bin'], cwd: '/', user: '', tty: false, openStdin: false, stdinOnce: false },
    startsNext: true,
    ...extra,
  });
  const output = async (id: string) => {
    const out: LogRecord[] = [];
    for await (const r of runtime.logs(id)) out.push(r);
    return Buffer.concat(out.map((r) => r.bytes)).toString('utf8');
  };
  /** An ID whose launch is ready: the first take only starts making one. */
  const takeReady = async (): Promise<string> => {
    let id: string | undefined;
    await until(() => (id = runtime.takeWarmId!()) !== undefined);
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    created.push(id!);
    return id!;
  };

  /** The ID of the launch made ahead, once its conmon and runc are up (its dir is the one no test made). */
  const waitingLaunch = async (): Promise<string> => {
    let warmId: string | undefined;
    await until(async () => {
      warmId = (await readdir(join(fx.dir, 'containers'))).find((d) => !created.includes(d));
      return warmId !== undefined && (await processesOf(warmId)).length === 2;
    });
    if (warmId === undefined) throw new Error('no launch was made ahead');
    return warmId;
  };

  beforeAll(async () => {
    fx = await fixtureRoot(['01-base']);
    runtime = runtimeOn(fx.dir);
  });

  afterAll(async () => {
    await runtime?.close?.();
    for (const id of created) {
      await runtime?.kill(id, 'KILL').catch(() => undefined);
      await runtime?.remove(id).catch(() => undefined);
    }
    await removeCgroupDirs(`/${cgroupParent}`);
    await fx?.close();
  });

  it('the ID handed out is a conmon and runc already waiting; the container runs on it with its own config', async () => {
    const id = await takeReady();
    // Waiting at config.json: conmon and runc are up, no container exists yet.
    expect(lstatSync(containerLayout(fx.dir, id).config).isFIFO()).toBe(true);
    expect((await processesOf(id)).length).toBe(2);
    expect(await runtime.list()).not.toContain(id);
    await runtime.prepare(spec(id, ['sh', '-c', 'echo warm $(hostname); exit 7']));
    await runtime.start(id);
    expect((await runtime.waitExit(id)).exitCode).toBe(7);
    expect(await output(id)).toBe(`warm ${id.slice(0, 12)}\n`);
    // config.json is a plain file afterwards, for exec and the next start.
    const config = JSON.parse(await readFile(containerLayout(fx.dir, id).config, 'utf8')) as { process: { args: string[] } };
    expect(config.process.args).toEqual(['sh', '-c', 'echo warm $(hostname); exit 7']);
    // And it starts again the usual way.
    await runtime.start(id);
    expect((await runtime.waitExit(id)).exitCode).toBe(7);
  });

  it('a config the runtime cannot make (unknown user) fails the start with the usual error, leaving no process', async () => {
    const id = await takeReady();
    await runtime.prepare(spec(id, ['true'], { process: { args: ['true'], env: [], cwd: '/', user: 'nobody', tty: false, openStdin: false, stdinOnce: false } }));
    await expect(runtime.start(id)).rejects.toThrow('unable to find user nobody: no matching entries in passwd file');
    expect(await until(async () => (await processesOf(id)).length === 0)).toBe(true);
  });

  it('a container the launch does not fit (a terminal) is prepared the usual way and the launch goes', async () => {
    const id = await takeReady();
    await runtime.prepare(spec(id, ['busybox', 'true'], { process: { args: ['busybox', 'true'], env: ['PATH=/bin'], cwd: '/', user: '', tty: true, openStdin: false, stdinOnce: false } }));
    expect(lstatSync(containerLayout(fx.dir, id).config).isFile()).toBe(true);
    await runtime.start(id);
    expect((await runtime.waitExit(id)).exitCode).toBe(0);
  });

  it('close gives up the ready launch: its processes and its dir go', async () => {
    // One is made after the last take.
    const warmId = await waitingLaunch();
    await runtime.close!();
    expect(await until(async () => (await processesOf(warmId)).length === 0)).toBe(true);
    expect(existsSync(containerLayout(fx.dir, warmId).dir)).toBe(false);
    runtime = runtimeOn(fx.dir);
  });

  it("an engine that died with a launch waiting: the next runtime on the data root lets its runc go and removes it", async () => {
    const first = runtimeOn(fx.dir);
    expect(first.takeWarmId!()).toBeUndefined();
    const warmId = await waitingLaunch();
    // No close: a new runtime finds the dir without a spec at creation.
    runtime = runtimeOn(fx.dir);
    expect(await until(async () => (await processesOf(warmId)).length === 0)).toBe(true);
    expect(await until(() => !existsSync(containerLayout(fx.dir, warmId).dir))).toBe(true);
    await first.close!();
  });
});
