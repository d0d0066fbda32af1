import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm, stat, writeFile, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { notFound, type ImageSummary } from '@strata/core';
import { capturedJson, capturedOutput } from './captureFixtures.js';
import { startDaemon, type Daemon } from './daemon.js';
import { dockerBinary, runDocker } from './dockerCli.js';
import { fakeImageEngine } from './fakeImageEngine.js';

// The daemon's own mechanics (sockets, pidfile, shutdown) over a given engine; the real engine
// is exercised end to end in src/e2e.
const images = capturedJson('images')[0] as ImageSummary[];
const engine = fakeImageEngine({
  listImages: async () => images,
  inspectImage: async (name) => {
    throw notFound(`no such image: ${name}: No such image: ${name}:latest`);
  },
});

let dir: string;
const daemons: Daemon[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stratad-daemon-'));
});
afterEach(async () => {
  for (const d of daemons.splice(0)) await d.close();
  await rm(dir, { recursive: true, force: true });
});

const start = async (options: Parameters<typeof startDaemon>[0] = {}) => {
  const d = await startDaemon({ engine, dataRoot: dir, log: () => undefined, ...options });
  daemons.push(d);
  return d;
};

describe('startDaemon', () => {
  it('listens on <data-root>/stratad.sock with mode 0600 and removes it on close', async () => {
    const d = await start();
    const socket = join(dir, 'stratad.sock');
    expect(d.addresses).toEqual([`unix://${socket}`]);
    expect((await stat(socket)).mode & 0o777).toBe(0o600);
    await d.close();
    await expect(stat(socket)).rejects.toThrow(/ENOENT/);
  });

  it('replaces a stale socket but refuses one a live daemon answers on', async () => {
    const socket = join(dir, 'stale.sock');
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(socket, r));
    // a crashed daemon leaves its socket file behind: emulate by closing without unlinking
    await new Promise<void>((r) => dead.close(() => r()));
    await writeFile(join(dir, 'marker'), '');
    const other = createServer();
    await new Promise<void>((r) => other.listen(join(dir, 'live.sock'), r));
    try {
      await expect(start({ hosts: [`unix://${join(dir, 'live.sock')}`] })).rejects.toThrow(/another daemon is listening there/);
    } finally {
      other.close();
    }
    await expect(start({ hosts: [`unix://${join(dir, 'marker')}`] })).rejects.toThrow(/not a socket/);
    const d = await start({ hosts: [`unix://${socket}`] });
    expect(d.addresses).toEqual([`unix://${socket}`]);
  });

  it('writes the pidfile, refuses a live one, and removes it on close', async () => {
    const pidfile = join(dir, 'run', 'stratad.pid');
    const d = await start({ pidfile });
    expect(await readFile(pidfile, 'utf8')).toBe(String(process.pid));
    await d.close();
    await expect(stat(pidfile)).rejects.toThrow(/ENOENT/);
    // pid 1 is always alive
    await writeFile(join(dir, 'taken.pid'), '1');
    await expect(start({ pidfile: join(dir, 'taken.pid') })).rejects.toThrow(`pid file found, ensure stratad is not running or delete ${join(dir, 'taken.pid')}`);
    expect(await readFile(join(dir, 'taken.pid'), 'utf8')).toBe('1');
  });

  it('refuses TCP off loopback before opening anything, and serves loopback TCP on the port it got', async () => {
    await expect(start({ hosts: ['tcp://0.0.0.0:2375'] })).rejects.toThrow(/^refusing to listen on tcp:\/\/0\.0\.0\.0:2375/);
    const d = await start({ hosts: ['tcp://127.0.0.1:0'] });
    const [address] = d.addresses;
    expect(address).toMatch(/^tcp:\/\/127\.0\.0\.1:[1-9][0-9]*$/);
    const res = await fetch(`${address.replace('tcp://', 'http://')}/_ping`);
    expect(await res.text()).toBe('OK');
  });

  it.skipIf(!dockerBinary)('is driven by the real docker CLI over the socket', async () => {
    const d = await start();
    const config = join(dir, 'docker-config');
    const version = await runDocker(d.addresses[0], config, ['version', '--format', '{{.Client.APIVersion}} {{.Server.APIVersion}} {{.Server.MinAPIVersion}} {{.Server.Os}}']);
    expect(version).toMatchObject({ code: 0, stderr: '' });
    expect(version.stdout).toBe('1.41 1.41 1.12 linux\n');

    // the same table the captured `docker images` printed, but for the CREATED column (relative time)
    const listed = await runDocker(d.addresses[0], config, ['images']);
    const captured = capturedOutput('images');
    const columns = (line: string) => line.split(/ {3,}/).filter((_, i) => i !== 3);
    expect(listed.stdout.trimEnd().split('\n').map(columns)).toEqual(captured.map(columns));

    const inspect = await runDocker(d.addresses[0], config, ['inspect', 'nosuch']);
    expect(inspect.code).toBe(1);
    expect(inspect.stdout.trim()).toBe('[]');
    expect(inspect.stderr.trim()).toBe('Error: No such object: nosuch');
  });
});
