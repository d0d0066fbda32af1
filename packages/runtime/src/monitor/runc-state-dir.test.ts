import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deleteStoppedState, hasRuncState, isRuncInitAlive } from './runc-state-dir.js';

const ID = 'a'.repeat(64);

/** Start time (field 22 of /proc/<pid>/stat) of this test process: a live "init". */
async function ownStartTime(): Promise<number> {
  const text = await readFile('/proc/self/stat', 'utf8');
  return Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[19]);
}

describe('runc state dir: the in-place form of `runc delete` for a stopped container', () => {
  let dir: string;
  let cgroups: string[];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'strata-runc-state-'));
    // Plain directories stand in for cgroups: rmdir refuses a non-empty one as the kernel refuses a busy cgroup.
    cgroups = [join(dir, 'cg/memory/strata', ID), join(dir, 'cg/pids/strata', ID)];
    for (const c of cgroups) await mkdir(c, { recursive: true });
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const writeState = async (extra: Record<string, unknown>) => {
    await mkdir(join(dir, 'root', ID), { recursive: true });
    const state = { id: ID, init_process_pid: 999_999_999, init_process_start: 1, config: {}, cgroup_paths: { memory: cgroups[0], pids: cgroups[1], cpu: cgroups[0] }, ...extra };
    await writeFile(join(dir, 'root', ID, 'state.json'), JSON.stringify(state));
  };

  it('removes the cgroups and the state dir of a container whose init is gone', async () => {
    await writeState({});
    expect(await hasRuncState(join(dir, 'root'), ID)).toBe(true);
    expect(await deleteStoppedState(join(dir, 'root'), ID)).toBe(true);
    expect(cgroups.map((c) => existsSync(c))).toEqual([false, false]);
    expect(existsSync(join(dir, 'root', ID))).toBe(false);
    expect(await hasRuncState(join(dir, 'root'), ID)).toBe(false);
  });

  it('is done when runc keeps no state', async () => {
    expect(await hasRuncState(join(dir, 'root'), ID)).toBe(false);
    expect(await deleteStoppedState(join(dir, 'root'), ID)).toBe(true);
  });

  it('leaves it to runc when hooks are configured, the init process lives, or a cgroup is busy', async () => {
    await writeState({ config: { hooks: { poststop: [{ path: '/bin/true' }] } } });
    expect(await deleteStoppedState(join(dir, 'root'), ID)).toBe(false);
    expect(cgroups.map((c) => existsSync(c))).toEqual([true, true]);

    await writeState({ init_process_pid: process.pid, init_process_start: await ownStartTime() });
    expect(await deleteStoppedState(join(dir, 'root'), ID)).toBe(false);
    expect(cgroups.map((c) => existsSync(c))).toEqual([true, true]);

    await writeFile(join(cgroups[1], 'tasks'), '1\n');
    await writeState({});
    expect(await deleteStoppedState(join(dir, 'root'), ID)).toBe(false);
    expect(existsSync(join(dir, 'root', ID, 'state.json'))).toBe(true);
  });
});

const roots: string[] = [];

/** A runc state dir whose container `id` names `pid` started at `start` as its init process. */
function stateRoot(id: string, state: Record<string, unknown>): string {
  const root = mkdtempSync(join(tmpdir(), 'strata-runc-state-'));
  roots.push(root);
  mkdirSync(join(root, id));
  writeFileSync(join(root, id, 'state.json'), JSON.stringify(state));
  return root;
}

const ownStart = (): number => {
  const text = readFileSync('/proc/self/stat', 'utf8');
  return Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[19]);
};

describe.skipIf(process.platform !== 'linux')('isRuncInitAlive', () => {
  afterEach(() => {
    for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
  });

  it('is true only for the very process runc recorded (pid and start time)', () => {
    expect(isRuncInitAlive(stateRoot('c1', { init_process_pid: process.pid, init_process_start: ownStart() }), 'c1')).toBe(true);
    // Same PID, other start time: the PID was reused by another process.
    expect(isRuncInitAlive(stateRoot('c2', { init_process_pid: process.pid, init_process_start: ownStart() + 1 }), 'c2')).toBe(false);
  });

  it('is false without a state file, or one that names no process', () => {
    expect(isRuncInitAlive(stateRoot('c3', {}), 'c3')).toBe(false);
    expect(isRuncInitAlive(stateRoot('c4', { init_process_pid: process.pid, init_process_start: ownStart() }), 'other')).toBe(false);
  });
});
