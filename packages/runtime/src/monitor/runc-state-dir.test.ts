import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isRuncInitAlive } from './runc-state-dir.js';

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

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
