// `GET /containers/json` bodies from kept rows: byte for byte what JSON.stringify of the summaries
// gives (plus dockerd's closing newline), for records in every state, as the clock moves and as
// records change.
import { describe, expect, it } from 'vitest';
import { testPorts } from '../../test-support/memory.js';
import { readFixture, streamOf } from '../../test-support/node.js';
import type { ContainerRecord, ContainerState } from '../lifecycle/index.js';
import { ContainerListing, nextLook } from './container-listing.js';
import { containerSummary } from './container-views.js';
import { createEngine } from './index.js';
import { rfc3339Nano } from './time.js';

const NOW = Date.parse('2026-11-30T12:00:00Z');
const at = (msBefore: number) => rfc3339Nano(NOW - msBefore);
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
/** What the listing must send: the summaries through JSON.stringify, and a newline as Go's encoder ends. */
const expected = (records: ContainerRecord[], nowMs: number) => `${JSON.stringify(records.map((r) => containerSummary(r, nowMs)))}\n`;

const state = (s: Partial<ContainerState>): ContainerState => ({
  status: 'exited', pid: 0, exitCode: 0, error: '', oomKilled: false, startedAt: at(600_000), finishedAt: at(300_000), ...s,
});

/** A record as the engine writes it, with `changes` over it. */
function record(n: number, changes: Partial<ContainerRecord> = {}): ContainerRecord {
  const id = n.toString(16).padStart(2, '0').repeat(32);
  return {
    id,
    name: `/c${n}`,
    created: at(3_600_000 + n),
    path: 'sh',
    args: ['-c', `echo ${n}`],
    image: `sha256:${'d9'.repeat(32)}`,
    config: { Hostname: id.slice(0, 12), Image: 'busybox:local', Cmd: ['sh', '-c', `echo ${n}`], Labels: {}, Tty: false } as unknown as ContainerRecord['config'],
    hostConfig: { NetworkMode: 'default' },
    state: state({}),
    restartCount: 0,
    startedBefore: true,
    manuallyStopped: false,
    platform: 'linux',
    ...changes,
  };
}

/** One record per state and shape the summary has a branch for. */
function varied(): ContainerRecord[] {
  const endpoint = {
    networkId: 'ab'.repeat(32), endpointId: 'cd'.repeat(32), ipAddress: '172.17.0.2', macAddress: '02:42:ac:11:00:02', gateway: '172.17.0.1',
    prefixLength: 16, sandboxKey: '/run/netns/x', ports: [{ containerPort: 80, protocol: 'tcp' as const, hostIp: '0.0.0.0', hostPort: 8080 }],
  };
  return [
    record(1, { state: state({ status: 'created', startedAt: '0001-01-01T00:00:00Z', finishedAt: '0001-01-01T00:00:00Z' }) }),
    record(2, { state: state({ exitCode: 7 }) }),
    record(3, {
      state: state({ status: 'running', pid: 42, finishedAt: '0001-01-01T00:00:00Z', startedAt: at(9_500) }),
      endpoint,
      config: { Image: 'web:1', Labels: { tier: 'front', Status: '', 'x,"Status":""': 'é ☃ "quoted"' }, ExposedPorts: { '80/tcp': {}, '53/udp': {} } } as unknown as ContainerRecord['config'],
    }),
    record(4, { state: state({ status: 'paused', pid: 43, startedAt: at(7_200_000) }) }),
    record(5, { state: state({ status: 'restarting', exitCode: 1, finishedAt: at(2_000) }) }),
    record(6, { state: state({ status: 'removing' }) }),
    record(7, { state: state({ status: 'dead' }) }),
    record(8, { hostConfig: { NetworkMode: 'none' }, name: '/ünïcode_name', args: ['-c', 'printf "%s\\n" \'tab\there\''] }),
    record(9, {
      mounts: [
        { type: 'volume', source: 'data', hostPath: '/var/lib/strata/volumes/data/_data', destination: '/data', readOnly: false, mode: 'z', propagation: '', copyImageData: true, createHostPath: false, anonymous: false, listed: true },
        { type: 'bind', source: '/srv', hostPath: '/srv', destination: '/b', readOnly: true, mode: 'ro', propagation: 'rprivate', copyImageData: false, createHostPath: true, anonymous: false, listed: true },
        { type: 'tmpfs', source: '', hostPath: '', destination: '/t', readOnly: false, mode: '', propagation: '', copyImageData: false, createHostPath: false, anonymous: false, listed: false },
      ] as ContainerRecord['mounts'],
    }),
    record(10, { config: { Image: 'busybox:local', NetworkDisabled: true, ExposedPorts: { '80/tcp': {} } } as unknown as ContainerRecord['config'] }),
  ];
}

describe('ContainerListing', () => {
  it('sends JSON.stringify of each summary byte for byte, in every state, and Status ages with the clock', () => {
    const listing = new ContainerListing();
    const records = varied();
    const body = listing.json(records, NOW);
    expect(decode(body)).toBe(expected(records, NOW));
    const rows = JSON.parse(decode(body)) as Array<Record<string, unknown>>;
    expect(rows.map((r) => r.Status)).toEqual([
      'Created', 'Exited (7) 5 minutes ago', 'Up 9 seconds', 'Up 2 hours (Paused)', 'Restarting (1) 2 seconds ago', 'Removal In Progress', 'Dead',
      'Exited (0) 5 minutes ago', 'Exited (0) 5 minutes ago', 'Exited (0) 5 minutes ago',
    ]);
    // The label named Status and the one whose name looks like the field stay in Labels.
    expect(rows[2]!.Labels).toEqual({ tier: 'front', Status: '', 'x,"Status":""': 'é ☃ "quoted"' });

    for (const later of [NOW + 400, NOW + 61_000, NOW + 3_600_000, NOW + 40 * 86_400_000]) {
      expect(decode(listing.json(records, later))).toBe(expected(records, later));
    }
    expect(JSON.parse(decode(listing.json(records, NOW + 61_000)))[1].Status).toBe('Exited (7) 6 minutes ago');
  });

  it('reads each clock only when its text may move, and never misses a step of humanDuration', () => {
    const listing = new ContainerListing();
    const records = varied();
    // The times the texts step at, counted from each record's clock (seconds in the first minute,
    // minutes up to an hour, hours rounded at the half hour up to days and weeks), a millisecond
    // either side of each, listed in order with the same listing as a client polling would.
    const froms = [...new Set(records.map((r) => Date.parse(r.state.status === 'running' || r.state.status === 'paused' ? r.state.startedAt : r.state.finishedAt)))];
    const steps = [
      ...Array.from({ length: 62 }, (_, s) => s * 1000),
      ...Array.from({ length: 62 }, (_, m) => m * 60_000),
      ...Array.from({ length: 100 }, (_, h) => (h + 0.5) * 3_600_000),
      ...Array.from({ length: 6 }, (_, w) => (w + 14) * 86_400_000 - 1_800_000),
    ];
    const times = [...new Set(froms.flatMap((from) => steps.flatMap((d) => [from + d - 1, from + d, from + d + 1])))].filter((t) => t >= NOW).sort((a, b) => a - b);
    expect(times.length).toBeGreaterThan(1000);
    const texts = new Set<string>();
    for (const t of times) {
      const body = decode(listing.json(records, t));
      expect(body).toBe(expected(records, t));
      for (const row of JSON.parse(body) as Array<{ Status: string }>) texts.add(row.Status);
    }
    for (const seen of ['Up 59 seconds', 'Up About a minute', 'Up 2 minutes', 'Up 59 minutes', 'Up About an hour', 'Up 47 hours', 'Up 2 days', 'Up 2 weeks', 'Exited (7) 2 hours ago']) {
      expect(texts).toContain(seen);
    }
  });

  it('knows when a text may next differ', () => {
    expect(nextLook(undefined, NOW)).toBe(Infinity);
    expect(nextLook(NOW, NOW)).toBe(NOW + 1000);
    expect(nextLook(NOW, NOW + 59_999)).toBe(NOW + 60_000);
    expect(nextLook(NOW, NOW + 60_000)).toBe(NOW + 120_000);
    expect(nextLook(NOW, NOW + 5_399_999)).toBe(NOW + 5_400_000);
    // a clock ahead of now (a time from another host) reads "Less than a second" until a second after it
    expect(nextLook(NOW + 5000, NOW)).toBe(NOW + 6000);
  });

  it('answers [] and a newline for no containers, and keeps the order it is given', () => {
    const listing = new ContainerListing();
    expect(decode(listing.json([], NOW))).toBe('[]\n');
    const records = varied();
    const reversed = [...records].reverse();
    listing.json(records, NOW);
    expect(decode(listing.json(reversed, NOW))).toBe(expected(reversed, NOW));
    expect(decode(listing.json(records.slice(3, 5), NOW))).toBe(expected(records.slice(3, 5), NOW));
    expect(decode(listing.json(records, NOW))).toBe(expected(records, NOW));
  });

  it('serializes a record again when the engine changes it, and answers an unchanged listing with the same bytes', () => {
    const listing = new ContainerListing();
    const records = varied();
    const first = listing.json(records, NOW);
    expect(listing.json(records, NOW + 100)).toBe(first);

    const [created, exited, running, , , , , , , disabled] = records as [ContainerRecord, ...ContainerRecord[]];
    // As the engine changes records: a new state object on start and exit, a name set in place on
    // rename, new published ports, NetworkDisabled set in place at start on --bridge=none.
    created.state = state({ status: 'running', pid: 50, startedAt: at(1_000), finishedAt: '0001-01-01T00:00:00Z' });
    exited!.name = '/renamed';
    running!.endpoint = { ...running!.endpoint!, ports: [{ containerPort: 80, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 9090 }] };
    disabled!.config.NetworkDisabled = false;
    const second = listing.json(records, NOW + 100);
    expect(second).not.toBe(first);
    expect(decode(second)).toBe(expected(records, NOW + 100));
    const rows = JSON.parse(decode(second)) as Array<{ Names: string[]; Status: string; Ports: unknown[] }>;
    expect(rows[0]!.Status).toBe('Up 1 second');
    expect(rows[1]!.Names).toEqual(['/renamed']);
    expect(rows[2]!.Ports).toEqual([{ IP: '127.0.0.1', PrivatePort: 80, PublicPort: 9090, Type: 'tcp' }, { PrivatePort: 53, Type: 'udp' }]);
    expect(rows[9]!.Ports).toEqual([{ PrivatePort: 80, Type: 'tcp' }]);

    records.splice(4, 1);
    expect(decode(listing.json(records, NOW + 100))).toBe(expected(records, NOW + 100));
  });
});

describe('engine listContainersJson', () => {
  it('answers what listContainers answers, as bytes, for every option and after a rename', async () => {
    const ports = testPorts();
    const engine = createEngine(ports);
    await engine.loadImages(streamOf(readFixture('images/01-base/image.tar')));
    for (const [name, labels] of [['one', { tier: 'db' }], ['two', {}], ['six', { tier: 'web' }]] as const) {
      await engine.createContainer({ Image: 'busybox:local', Cmd: ['echo', name], Labels: labels }, { name });
      ports.advance(1_500);
    }
    const both = async (options: Parameters<typeof engine.listContainers>[0]) => {
      const json = decode(await engine.listContainersJson!(options));
      expect(json).toBe(`${JSON.stringify(await engine.listContainers(options))}\n`);
      return (JSON.parse(json) as Array<{ Names: string[] }>).map((c) => c.Names[0]);
    };
    expect(await both({})).toEqual([]);
    expect(await both({ all: true })).toEqual(['/six', '/two', '/one']);
    expect(await both({ limit: 2 })).toEqual(['/six', '/two']);
    expect(await both({ all: true, filters: { label: ['tier'] } })).toEqual(['/six', '/one']);
    expect(await both({ all: true, filters: { name: ['two'] } })).toEqual(['/two']);
    expect(await both({ all: true, size: true })).toEqual(['/six', '/two', '/one']);
    await engine.renameContainer('two', 'bee');
    ports.advance(60_000);
    expect(await both({ all: true })).toEqual(['/six', '/bee', '/one']);
    await engine.removeContainer('one');
    expect(await both({ all: true })).toEqual(['/six', '/bee']);
    await expect(engine.listContainersJson!({ filters: { status: ['sleeping'] } })).rejects.toMatchObject({ kind: 'invalid', message: "invalid filter 'status=sleeping'" });
  });
});
