import { describe, expect, it } from 'vitest';
import { TestVolumeStore, testPorts } from '../../test-support/memory.js';
import { readFixture, streamOf } from '../../test-support/node.js';
import { isStrataError } from '../errors/index.js';
import { createEngine } from './index.js';

async function engineWithVolumes() {
  const volumes = new TestVolumeStore();
  const ports = { ...testPorts(), volumes };
  const engine = createEngine(ports);
  return { engine, volumes, ports };
}

async function rejection(p: Promise<unknown>): Promise<{ kind: string; message: string }> {
  try {
    await p;
  } catch (e) {
    if (isStrataError(e)) return { kind: e.kind, message: e.message };
    throw e;
  }
  throw new Error('expected a rejection');
}

describe('volumes', () => {
  it('create, inspect, ls, rm as dockerd answers them', async () => {
    const { engine, volumes } = await engineWithVolumes();
    const created = await engine.createVolume({ Name: 'vol', Driver: 'local' });
    expect(created).toEqual({ CreatedAt: '2026-11-30T00:00:00Z', Driver: 'local', Labels: null, Mountpoint: '/volumes/vol/_data', Name: 'vol', Options: null, Scope: 'local' });
    // Creating it again returns the same volume, as dockerd does.
    expect(await engine.createVolume({ Name: 'vol' })).toEqual(created);
    expect(await engine.inspectVolume('vol')).toEqual(created);
    expect(await engine.listVolumes()).toEqual({ Volumes: [created], Warnings: null });
    await engine.removeVolume('vol');
    expect(volumes.names.size).toBe(0);
    expect(await rejection(engine.removeVolume('vol'))).toEqual({ kind: 'not-found', message: 'get vol: no such volume' });
    await engine.removeVolume('vol', { force: true });
    expect(await rejection(engine.inspectVolume('vol'))).toEqual({ kind: 'not-found', message: 'get vol: no such volume' });
  });

  it('refuses invalid names and leaves nothing behind', async () => {
    const { engine, volumes } = await engineWithVolumes();
    expect(await rejection(engine.createVolume({ Name: 'bad/name' }))).toEqual({
      kind: 'invalid',
      message: 'create bad/name: "bad/name" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path',
    });
    expect(await rejection(engine.createVolume({ Name: 'x', Driver: 'nfs' }))).toEqual({ kind: 'not-found', message: 'error looking up volume plugin nfs: plugin "nfs" not found' });
    expect(volumes.names.size).toBe(0);
    expect((await engine.listVolumes()).Volumes).toEqual([]);
  });

  it('a volume in use by any container is refused (409) until the container is removed; rm -v takes anonymous volumes', async () => {
    const { engine, volumes } = await engineWithVolumes();
    await engine.loadImages(streamOf(readFixture('images/01-base/image.tar')));
    const { Id } = await engine.createContainer({ Image: 'busybox:local', Cmd: ['true'], HostConfig: { Binds: ['vol2:/data', '/anon'] } });
    const names = [...volumes.names].sort();
    expect(names).toHaveLength(2);
    const anon = names.find((n) => n !== 'vol2')!;
    expect(anon).toMatch(/^[0-9a-f]{64}$/);
    expect(await rejection(engine.removeVolume('vol2'))).toEqual({ kind: 'conflict', message: `remove vol2: volume is in use - [${Id}]` });
    expect(await engine.volumeUsers('vol2')).toEqual([Id]);
    const inspect = await engine.inspectContainer(Id);
    expect(inspect.Mounts).toEqual([
      { Type: 'volume', Name: anon, Source: `/volumes/${anon}/_data`, Destination: '/anon', Driver: 'local', Mode: '', RW: true, Propagation: '' },
      { Type: 'volume', Name: 'vol2', Source: '/volumes/vol2/_data', Destination: '/data', Driver: 'local', Mode: 'z', RW: true, Propagation: '' },
    ]);
    // Hex names sort before `vol2`.
    expect((await engine.diskUsage()).Volumes).toEqual([
      expect.objectContaining({ Name: anon, UsageData: { Size: -1, RefCount: 1 } }),
      expect.objectContaining({ Name: 'vol2', UsageData: { Size: -1, RefCount: 1 } }),
    ]);
    // Prune keeps volumes in use.
    expect(await engine.pruneVolumes()).toEqual({ VolumesDeleted: [], SpaceReclaimed: 0 });
    await engine.removeContainer(Id, { volumes: true });
    expect([...volumes.names]).toEqual(['vol2']);
    expect(await engine.pruneVolumes()).toEqual({ VolumesDeleted: ['vol2'], SpaceReclaimed: 0 });
    expect(volumes.names.size).toBe(0);
  });

  it('a create that fails after its volumes were made removes the ones it made', async () => {
    const { engine, volumes } = await engineWithVolumes();
    await engine.loadImages(streamOf(readFixture('images/01-base/image.tar')));
    await engine.createVolume({ Name: 'kept' });
    await engine.createContainer({ Image: 'busybox:local', Cmd: ['true'] }, { name: 'taken' });
    const r = await rejection(engine.createContainer({ Image: 'busybox:local', Cmd: ['true'], HostConfig: { Binds: ['kept:/a', 'fresh:/b'] } }, { name: 'taken' }));
    expect(r.kind).toBe('conflict');
    expect([...volumes.names]).toEqual(['kept']);
    expect(await rejection(engine.createContainer({ Image: 'busybox:local', Cmd: ['true'], HostConfig: { Binds: ['a:/x'] } }))).toMatchObject({ kind: 'invalid' });
    expect(await rejection(engine.createContainer({ Image: 'busybox:local', Cmd: ['true'], HostConfig: { NetworkMode: 'mynet' } }))).toEqual({ kind: 'not-found', message: 'network mynet not found' });
  });
});

describe('networks', () => {
  it('without a bridge port lists host and none only, and inspects them by name or ID prefix', async () => {
    const { engine } = await engineWithVolumes();
    const list = await engine.listNetworks();
    expect(list.map((n) => [n.Name, n.Driver])).toEqual([['host', 'host'], ['none', 'null']]);
    const none = await engine.inspectNetwork('none');
    expect(none.Id).toMatch(/^[0-9a-f]{64}$/);
    expect(await engine.inspectNetwork(none.Id.slice(0, 12))).toEqual(none);
    expect(await rejection(engine.inspectNetwork('bridge'))).toEqual({ kind: 'not-found', message: 'network bridge not found' });
  });
});
