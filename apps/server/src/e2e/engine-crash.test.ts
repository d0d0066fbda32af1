// kill -9 of stratad while containers run loses nothing: a new stratad on the same data root
// re-adopts the running processes, records exits that happened while it was down and applies
// restart policies.
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixturesDir } from '../captureFixtures.js';
import { removeBridgeNetwork } from '@strata/runtime';
import { startStratad, type StratadProcess } from './stratadProcess.js';
import { containerE2eSkipReason } from './containerE2eSkip.js';

const skipReason = containerE2eSkipReason();
if (skipReason) console.log(`engine-crash e2e skipped: ${skipReason}`);

const ago = '(Less than a second|1 second|\\d+ seconds|About a minute|\\d+ minutes) ago';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** PIDs of host processes whose command line mentions `needle` (conmon of a container, by its ID). */
function processesMentioning(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes(needle)) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.split(' ')[4]?.startsWith(dir));
}

/** IDs runc still keeps state for under its default root. */
function runcStates(): string[] {
  try {
    return JSON.parse(execFileSync('/usr/sbin/runc', ['--root', '/run/strata/runc', 'list', '--format', 'json'], { encoding: 'utf8' }) || '[]').map((c: { id: string }) => c.id);
  } catch {
    return [];
  }
}

describe.skipIf(skipReason !== '')('engine crash: kill -9 of stratad while containers run', () => {
  let dir = '';
  let daemon: StratadProcess | undefined;
  const ids: string[] = [];
  const docker = (...args: string[]) => daemon!.docker(args, { timeoutMs: 30_000 });

  afterAll(async () => {
    // Leave nothing behind even when the test failed half-way: a live daemon removes its containers.
    if (daemon) {
      const all = (await docker('ps', '-a', '-q').catch(() => ({ stdout: '' }))).stdout.split('\n').filter(Boolean);
      if (all.length > 0) await docker('rm', '-f', ...all).catch(() => undefined);
      await daemon.stop();
    }
    for (const id of ids) for (const pid of processesMentioning(id)) if (pid !== process.pid) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    for (const id of runcStates().filter((i) => ids.includes(i))) execFileSync('/usr/sbin/runc', ['--root', '/run/strata/runc', 'delete', '-f', id]);
    for (const line of dir ? mountsUnder(dir).reverse() : []) execFileSync('umount', [line.split(' ')[4]]);
    if (dir) await removeBridgeNetwork(join(dir, 'root')).catch(() => undefined);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a new stratad re-adopts running containers, records exits it missed and keeps restart policies', async () => {
    dir = await mkdtemp(join(tmpdir(), 'stratad-crash-'));
    daemon = await startStratad([], dir);
    expect((await docker('load', '-i', join(fixturesDir, 'images/01-base/image.tar'))).stdout).toBe('Loaded image: busybox:local\n');

    const a = await docker('run', '-d', '--name', 'ka', 'busybox:local', 'sleep', '300');
    const b = await docker('run', '-d', '--name', 'kb', 'busybox:local', 'sh', '-c', 'echo before; sleep 2; echo after; exit 7');
    const c = await docker('run', '-d', '--name', 'kc', '--restart', 'always', 'busybox:local', 'sh', '-c', 'sleep 1; exit 3');
    for (const r of [a, b, c]) expect([r.code, r.stderr]).toEqual([0, '']);
    ids.push(a.stdout.trim(), b.stdout.trim(), c.stdout.trim());
    const aPid = Number((await docker('inspect', '-f', '{{.State.Pid}}', 'ka')).stdout.trim());
    expect(aPid).toBeGreaterThan(0);
    await expect.poll(async () => (await docker('logs', 'kb')).stdout, { timeout: 5000 }).toBe('before\n');
    const bStarted = Date.parse((await docker('inspect', '-f', '{{.State.StartedAt}}', 'kb')).stdout.trim());

    // kill -9 the engine; the containers live on under conmon.
    const first = daemon;
    daemon = undefined;
    process.kill(first.pid, 'SIGKILL');
    expect(await first.stop()).toEqual({ code: null, signal: 'SIGKILL' });
    const downAt = Date.now();
    await new Promise((r) => setTimeout(r, 4000));
    expect(alive(aPid)).toBe(true);

    daemon = await startStratad([], dir);
    const upAt = Date.now();

    // a: still running, the same process
    expect((await docker('ps', '--format', '{{.Names}} {{.Status}}')).stdout.split('\n')).toContainEqual(expect.stringMatching(/^ka Up \d+ seconds$/));
    expect((await docker('inspect', '-f', '{{.State.Status}} {{.State.Pid}}', 'ka')).stdout).toBe(`running ${aPid}\n`);

    // b: exited with 7 while the engine was down, at its real time, and its output is all there
    expect((await docker('ps', '-a', '--format', '{{.Names}} {{.Status}}')).stdout.split('\n')).toContainEqual(expect.stringMatching(new RegExp(`^kb Exited \\(7\\) ${ago}$`)));
    const [bStatus, bCode, bFinished] = (await docker('inspect', '-f', '{{.State.Status}} {{.State.ExitCode}} {{.State.FinishedAt}}', 'kb')).stdout.trim().split(' ');
    expect([bStatus, bCode]).toEqual(['exited', '7']);
    const finished = Date.parse(bFinished);
    expect(finished - bStarted).toBeGreaterThanOrEqual(1900);
    expect(finished).toBeLessThan(upAt);
    expect(finished).toBeGreaterThan(downAt - 3000);
    const logs = await docker('logs', 'kb');
    expect([logs.stdout, logs.stderr]).toEqual(['before\nafter\n', '']);

    // c: --restart always keeps restarting it across the engine restart
    await expect
      .poll(async () => Number((await docker('inspect', '-f', '{{.RestartCount}}', 'kc')).stdout.trim()), { timeout: 10_000, interval: 250 })
      .toBeGreaterThanOrEqual(1);
    const restartsThen = Number((await docker('inspect', '-f', '{{.RestartCount}}', 'kc')).stdout.trim());
    await expect
      .poll(async () => Number((await docker('inspect', '-f', '{{.RestartCount}}', 'kc')).stdout.trim()), { timeout: 10_000, interval: 250 })
      .toBeGreaterThan(restartsThen);
    expect((await docker('inspect', '-f', '{{.State.ExitCode}}', 'kc')).stdout).toMatch(/^(0|3)\n$/);

    // the re-adopted a is watched again: stop finds its exit and wait reports it
    const waiting = docker('wait', 'ka');
    expect((await docker('stop', '-t', '1', 'ka')).stdout).toBe('ka\n');
    expect((await waiting).stdout).toBe('137\n');
    expect((await docker('wait', 'ka')).stdout).toBe('137\n');
    expect(alive(aPid)).toBe(false);

    const rm = await docker('rm', '-f', 'ka', 'kb', 'kc');
    expect([rm.code, rm.stdout, rm.stderr]).toEqual([0, 'ka\nkb\nkc\n', '']);
    expect((await docker('ps', '-a', '-q')).stdout).toBe('');
    expect(mountsUnder(dir)).toEqual([]);
    await expect.poll(() => ids.flatMap(processesMentioning).filter((p) => p !== process.pid), { timeout: 5000 }).toEqual([]);
    expect(runcStates().filter((id) => ids.includes(id))).toEqual([]);
  }, 90_000);
});
