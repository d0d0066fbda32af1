import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { networkNamespace } from '../bundle/network-files.js';
import { hostsFile } from '../bundle/etc-files.js';
import { ociMounts, prepareMountSources } from './container-mounts.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe('container mounts and network files in the bundle', () => {
  it('OCI mount entries: binds rbind with their propagation, ro last; tmpfs nosuid,nodev,noexec; parents first', () => {
    expect(
      ociMounts([
        { type: 'bind', source: '/v/x/_data', destination: '/data/sub', readOnly: false, copyImageData: true },
        { type: 'tmpfs', source: '', destination: '/run', readOnly: false, options: ['size=1024k'] },
        { type: 'bind', source: '/srv', destination: '/data', readOnly: true, propagation: 'rslave' },
      ]),
    ).toEqual([
      { destination: '/run', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'noexec', 'size=1024k'] },
      { destination: '/data', type: 'bind', source: '/srv', options: ['rbind', 'rslave', 'ro'] },
      { destination: '/data/sub', type: 'bind', source: '/v/x/_data', options: ['rbind', 'rprivate'] },
    ]);
  });

  it('the network namespace entry per mode, and /etc/hosts with the own address last', () => {
    const spec = (network?: { mode: 'none' | 'host' | 'bridge'; sandboxKey?: string }) => ({ id: 'x', name: 'n', hostname: 'h', layers: [], process: { args: [], env: [], cwd: '/', user: '', tty: false, openStdin: false, stdinOnce: false }, network });
    expect(networkNamespace(spec({ mode: 'bridge', sandboxKey: '/run/netns/s-1' }))).toEqual([{ type: 'network', path: '/run/netns/s-1' }]);
    expect(networkNamespace(spec({ mode: 'host' }))).toEqual([]);
    expect(networkNamespace(spec({ mode: 'none' }))).toEqual([{ type: 'network' }]);
    expect(networkNamespace(spec())).toEqual([{ type: 'network' }]);
    expect(hostsFile({ ip: '172.17.0.2', hostname: 'f1955a62927f' }).split('\n').slice(-2)).toEqual(['172.17.0.2\tf1955a62927f', '']);
  });

  it('an empty volume is filled from the image (modes kept) once; a non-empty one is left alone; -v makes a missing host dir', async () => {
    const root = await mkdtemp(join(tmpdir(), 'strata-mounts-'));
    dirs.push(root);
    const rootfs = join(root, 'rootfs');
    await mkdir(join(rootfs, 'etc/app'), { recursive: true, mode: 0o750 });
    await writeFile(join(rootfs, 'etc/app/conf'), 'image\n', { mode: 0o640 });
    const volume = join(root, 'vol/_data');
    await mkdir(volume, { recursive: true });
    const created = join(root, 'made/by/v');
    await prepareMountSources(rootfs, [
      { type: 'bind', source: volume, destination: '/etc/app', readOnly: false, copyImageData: true },
      { type: 'bind', source: created, destination: '/x', readOnly: false, createHostPath: true },
    ]);
    expect(await readFile(join(volume, 'conf'), 'utf8')).toBe('image\n');
    expect((await stat(join(volume, 'conf'))).mode & 0o777).toBe(0o640);
    expect((await stat(volume)).mode & 0o777).toBe(0o750);
    expect((await stat(created)).isDirectory()).toBe(true);
    await writeFile(join(volume, 'conf'), 'user\n');
    await writeFile(join(rootfs, 'etc/app/other'), 'new\n');
    await prepareMountSources(rootfs, [{ type: 'bind', source: volume, destination: '/etc/app', readOnly: false, copyImageData: true }]);
    expect(await readdir(volume)).toEqual(['conf']);
    expect(await readFile(join(volume, 'conf'), 'utf8')).toBe('user\n');
    await expect(prepareMountSources(rootfs, [{ type: 'bind', source: join(root, 'nope'), destination: '/b', readOnly: false }])).rejects.toThrow(
      `invalid mount config for type "bind": bind source path does not exist: ${join(root, 'nope')}`,
    );
  });
});
