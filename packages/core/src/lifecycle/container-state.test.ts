import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixturesDir } from '../../test-support/node.js';
import { type ContainerState, ZERO_TIME, createdState, humanDuration, inspectState, statusClock, statusString, transitions } from './container-state.js';
import { rfc3339Nano } from '../engine/time.js';

const capture = (name: string) => readFileSync(join(fixturesDir, 'docker-api-captures', `${name}.txt`), 'utf8');

describe('human Status strings (moby State.String + go-units HumanDuration)', () => {
  it('reproduces docker ps -a of ps_a_filtered from the captured Created times and the reply Date', () => {
    const text = capture('ps_a_filtered');
    const list = JSON.parse(/^(\[\{"Id".*\])\\n$/m.exec(text)![1]) as Array<{ Names: string[]; Created: number; State: string; Status: string }>;
    const now = Date.parse(/^Date: (.*)\\r\\n$/m.exec(text)![1]) + 900;
    const ranFor: Record<string, number> = { '/w1': 2 }; // sh -c 'sleep 2; exit 3'
    for (const c of list) {
      const code = /Exited \((\d+)\)/.exec(c.Status)?.[1];
      const started = c.Created * 1000;
      const state: ContainerState = {
        ...createdState(),
        status: c.State as ContainerState['status'],
        startedAt: c.State === 'created' ? ZERO_TIME : rfc3339Nano(started),
        finishedAt: c.State === 'exited' ? rfc3339Nano(started + (ranFor[c.Names[0]] ?? 0) * 1000) : ZERO_TIME,
        exitCode: code ? Number(code) : 0,
      };
      expect(statusString(state, now), c.Names[0]).toBe(c.Status);
    }
    expect(list.map((c) => c.Status)).toEqual(['Up 9 seconds (Paused)', 'Up 9 seconds', 'Created', 'Exited (7) 4 minutes ago', 'Exited (0) 5 minutes ago', 'Exited (3) 5 minutes ago']);
  });

  it('steps through go-units boundaries', () => {
    const s = 1000;
    expect([0, 1, 59, 60, 119, 120, 3599].map((x) => humanDuration(x * s))).toEqual([
      'Less than a second', '1 second', '59 seconds', 'About a minute', 'About a minute', '2 minutes', '59 minutes',
    ]);
    expect(humanDuration(3600 * s)).toBe('About an hour');
    expect(humanDuration(5400 * s)).toBe('2 hours');
    expect(humanDuration(47 * 3600 * s)).toBe('47 hours');
    expect(humanDuration(3 * 86400 * s)).toBe('3 days');
    expect(humanDuration(20 * 86400 * s)).toBe('2 weeks');
    expect(humanDuration(90 * 86400 * s)).toBe('3 months');
    expect(humanDuration(800 * 86400 * s)).toBe('2 years');
  });

  it('changes only when whole seconds do, which lets a listing keep a Status until then', () => {
    // Every step of humanDuration, one millisecond either side, and a spread of odd offsets.
    const steps = [1, 2, 60, 120, 1800, 3600, 5400, 48 * 3600, 14 * 86400, 60 * 86400, 730 * 86400, 731 * 86400].map((x) => x * 1000);
    const offsets = [...steps.flatMap((t) => [t - 1, t, t + 1]), ...Array.from({ length: 200 }, (_, i) => Math.floor(i ** 3.7 * 997))];
    for (const ms of offsets) expect(humanDuration(ms), `${ms} ms`).toBe(humanDuration(Math.floor(ms / 1000) * 1000));
  });

  it('a StatusClock prints what statusString prints and names the time it counts from', () => {
    const at = Date.parse('2026-11-22T14:00:00Z');
    const base = { ...createdState(), startedAt: rfc3339Nano(at), finishedAt: rfc3339Nano(at + 1500), exitCode: 2 };
    const states: ContainerState[] = (['running', 'paused', 'restarting', 'exited', 'removing', 'dead'] as const).map((status) => ({ ...base, status }));
    states.push(createdState(), { ...base, status: 'exited', finishedAt: ZERO_TIME });
    for (const s of states) {
      const clock = statusClock(s);
      for (const now of [at + 2_000, at + 61_999, at + 7_200_500]) expect(clock(now)).toBe(statusString(s, now));
    }
    expect(states.map((s) => statusClock(s).from)).toEqual([at, at, at + 1500, at + 1500, undefined, undefined, undefined, undefined]);
  });

  it('restarting, removing and dead read as dockerd prints them', () => {
    const at = Date.parse('2026-11-22T14:00:00Z');
    const base = { ...createdState(), startedAt: rfc3339Nano(at), finishedAt: rfc3339Nano(at + 1000), exitCode: 1 };
    expect(statusString({ ...base, status: 'restarting' }, at + 31_000)).toBe('Restarting (1) 30 seconds ago');
    expect(statusString({ ...base, status: 'removing' }, at)).toBe('Removal In Progress');
    expect(statusString({ ...base, status: 'dead' }, at)).toBe('Dead');
  });
});

describe('inspect State and the state machine', () => {
  it('has the keys and types of the captured inspect State', () => {
    const fixture = JSON.parse(readFileSync(join(fixturesDir, 'images/01-base/container-inspect.json'), 'utf8'))[0].State;
    const ours = inspectState({ ...createdState(), status: 'exited', exitCode: 0, startedAt: fixture.StartedAt, finishedAt: fixture.FinishedAt });
    expect(Object.keys(ours)).toEqual(Object.keys(fixture).filter((k) => k !== 'Health'));
    expect(ours).toEqual(Object.fromEntries(Object.entries(fixture).filter(([k]) => k !== 'Health')));
  });

  it('refuses moves with dockerd 20.10 wording (captures kill_not_running_err, pause_again_err, rm_running_err)', () => {
    const id = '1461eb17c359aa87c35ef81efb05da44dc3707ce4edae43dfac005918addb5e9';
    const said = (name: string) => /Error response from daemon: (.*)\n/.exec(capture(name))![1];
    const running: ContainerState = { ...createdState(), status: 'running' };
    const exited: ContainerState = { ...createdState(), status: 'exited' };
    expect(() => transitions.kill(exited, 'web', id)).toThrow(said('kill_not_running_err'));
    expect(() => transitions.pause({ ...running, status: 'paused' }, id)).toThrow(said('pause_again_err'));
    expect(() => transitions.remove(running, id, false)).toThrow(said('rm_running_err'));
    expect(() => transitions.remove(running, id, true)).not.toThrow();
    for (const [fn, kind] of [[() => transitions.start(running), 'not-modified'], [() => transitions.stop(exited), 'not-modified'], [() => transitions.start({ ...running, status: 'paused' }), 'conflict']] as const) {
      try {
        fn();
        expect.unreachable();
      } catch (e) {
        expect((e as { kind: string }).kind).toBe(kind);
      }
    }
  });
});
