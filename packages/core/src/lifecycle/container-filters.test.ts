import { describe, expect, it } from 'vitest';
import { checkPsFilters, matchesPsFilters } from './container-filters.js';
import { mergeContainerConfig, processArgs } from './container-config.js';
import type { ContainerRecord } from './container-record.js';
import { type ContainerStatus, createdState } from './container-state.js';
import { normalizeHostConfig } from './host-config.js';
import { parseRestartPolicy, restartDelay, restartsWithEngine, shouldRestart } from './restart-policy.js';
import { signalName, signalNumber } from './signals.js';

function record(name: string, status: ContainerStatus, exitCode = 0, labels: Record<string, string> = {}, created = '2026-11-22T14:00:00Z'): ContainerRecord {
  const config = mergeContainerConfig({ Image: 'busybox:local', Cmd: ['sleep', '600'], Labels: labels }, null, 'busybox:local');
  return {
    id: `${name.padEnd(12, '0')}${'a'.repeat(52)}`.replace(/[^0-9a-f]/g, 'e'), name: `/${name}`, created, ...processArgs(config), image: 'sha256:d9d3', config,
    hostConfig: normalizeHostConfig({ NetworkMode: 'none' }), state: { ...createdState(), status, exitCode, startedAt: status === 'created' ? createdState().startedAt : created },
    restartCount: 0, startedBefore: status !== 'created', manuallyStopped: false, platform: 'linux',
  };
}

describe('docker ps filters', () => {
  // The containers of the ps_a_filtered capture.
  const rows = [record('paused1', 'paused'), record('up1', 'running'), record('pc', 'created'), record('unruffled_kalam', 'exited', 7), record('chg', 'exited', 0, { k: 'v' }), record('w1', 'exited', 3)];
  const names = (filters: Record<string, string[]>) => rows.filter((r) => matchesPsFilters(r, filters)).map((r) => r.name.slice(1));

  it('name is a regular expression over /name (the capture used ^/pc$), values OR-ed', () => {
    expect(names({ name: ['^/pc$'] })).toEqual(['pc']);
    expect(names({ name: ['up1', 'paused1', 'w1'] })).toEqual(['paused1', 'up1', 'w1']);
    expect(names({ name: ['u'] })).toEqual(['paused1', 'up1', 'unruffled_kalam']);
  });

  it('status, exited, label and network, keys AND-ed', () => {
    expect(names({ status: ['exited'] })).toEqual(['unruffled_kalam', 'chg', 'w1']);
    expect(names({ status: ['paused', 'created'] })).toEqual(['paused1', 'pc']);
    expect(names({ exited: ['7', '3'] })).toEqual(['unruffled_kalam', 'w1']);
    expect(names({ exited: ['0'] })).toEqual(['chg']);
    expect(names({ label: ['k'] })).toEqual(['chg']);
    expect(names({ label: ['k=w'] })).toEqual([]);
    expect(names({ network: ['none'], status: ['running'] })).toEqual(['up1']);
  });

  it('a status filter implies --all; bad keys and values are refused', () => {
    expect(checkPsFilters({ status: ['exited'] })).toEqual({ impliesAll: true });
    expect(checkPsFilters({ name: ['x'] })).toEqual({ impliesAll: false });
    expect(() => checkPsFilters({ status: ['up'] })).toThrow("invalid filter 'status=up'");
    expect(() => checkPsFilters({ exited: ['x'] })).toThrow("invalid filter 'exited=x'");
    expect(() => checkPsFilters({ colour: ['red'] })).toThrow("invalid filter 'colour'");
  });
});

describe('restart policies', () => {
  it('parses Docker\'s policy names', () => {
    expect(parseRestartPolicy(undefined)).toEqual({ Name: 'no', MaximumRetryCount: 0 });
    expect(parseRestartPolicy({ Name: '', MaximumRetryCount: 0 })).toEqual({ Name: 'no', MaximumRetryCount: 0 });
    expect(parseRestartPolicy({ Name: 'unless-stopped' })).toEqual({ Name: 'unless-stopped', MaximumRetryCount: 0 });
  });

  it('decides as moby\'s restartmanager', () => {
    const exit = (exitCode: number, restartCount = 0, manuallyStopped = false) => ({ exitCode, restartCount, manuallyStopped });
    const p = (Name: string, MaximumRetryCount = 0) => parseRestartPolicy({ Name, MaximumRetryCount });
    expect(shouldRestart(p('no'), exit(1))).toBe(false);
    expect(shouldRestart(p('always'), exit(0))).toBe(true);
    expect(shouldRestart(p('always'), exit(0, 0, true))).toBe(false);
    expect(shouldRestart(p('on-failure'), exit(0))).toBe(false);
    expect(shouldRestart(p('on-failure'), exit(1, 99))).toBe(true);
    expect(shouldRestart(p('on-failure', 3), exit(1, 2))).toBe(true);
    expect(shouldRestart(p('on-failure', 3), exit(1, 3))).toBe(false);
    // When the engine starts: always even after a manual stop, unless-stopped not.
    expect(restartsWithEngine(p('always'), { ...exit(0, 0, true), startedBefore: true })).toBe(true);
    expect(restartsWithEngine(p('unless-stopped'), { ...exit(0, 0, true), startedBefore: true })).toBe(false);
    expect(restartsWithEngine(p('unless-stopped'), { ...exit(0), startedBefore: true })).toBe(true);
    expect(restartsWithEngine(p('always'), { ...exit(0), startedBefore: false })).toBe(false);
    expect([restartDelay(0, 0), restartDelay(100, 50), restartDelay(40_000, 50), restartDelay(800, 10_000)]).toEqual([100, 200, 60_000, 100]);
  });
});

describe('signals', () => {
  it('accepts SIGTERM, TERM, term and numbers; refuses the rest', () => {
    expect(['SIGTERM', 'TERM', 'term', '15'].map(signalNumber)).toEqual([15, 15, 15, 15]);
    expect([signalNumber('KILL'), signalNumber('SIGUSR1'), signalNumber('RTMIN+3')]).toEqual([9, 10, 37]);
    expect([signalName('9'), signalName(15), signalName('usr1')]).toEqual(['SIGKILL', 'SIGTERM', 'SIGUSR1']);
    expect(() => signalNumber('NOPE')).toThrow('Invalid signal: NOPE');
    expect(() => signalNumber('65')).toThrow('Invalid signal: 65');
  });
});
