import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerCli, mountPointsUnder, processAlive, runDocker, startDockerd, type Dockerd } from './dockerd.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '../../../../../shared/fixtures');
const whiteoutTar = join(fixtures, 'images/02-whiteout/image.tar');

const started = await startDockerd();
const skip = 'skip' in started ? started.skip : undefined;
if (skip) console.warn(skip);

describe.skipIf(skip !== undefined)('startDockerd', () => {
  const daemon = started as Dockerd;
  let stopped = false;

  beforeAll(() => {
    expect(existsSync(daemon.socket)).toBe(true);
  });
  afterAll(async () => {
    if (!stopped) await daemon.stop();
  });

  it('prefers the docker CLI in /usr/local/bin', () => {
    const cli = dockerCli();
    expect(cli).toBe(existsSync('/usr/local/bin/docker') ? '/usr/local/bin/docker' : '/usr/bin/docker');
  });

  it('runs the PID it reports, with everything inside its temp dir', () => {
    expect(readFileSync(join(daemon.dir, 'pid'), 'utf8').trim()).toBe(String(daemon.pid));
    const cmdline = readFileSync(`/proc/${daemon.pid}/cmdline`, 'utf8').split('\0');
    expect(cmdline[0]).toBe('/usr/sbin/dockerd');
    expect(cmdline).toContain(daemon.dataRoot);
    expect(daemon.dataRoot.startsWith(daemon.dir + '/')).toBe(true);
    expect(daemon.execRoot.startsWith(daemon.dir + '/')).toBe(true);
    expect(existsSync(join(daemon.execRoot, 'containerd/containerd.sock'))).toBe(true);
    expect(existsSync(join(daemon.dir, 'key.json'))).toBe(true);
    // dockerd's mounts stay in its own mount namespace
    expect(mountPointsUnder(daemon.dir)).toEqual([]);
  });

  it('answers docker version with its Server version', async () => {
    const r = await runDocker(['version', '--format', '{{.Server.Version}}|{{.Server.APIVersion}}'], { env: daemon.env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+\S*\|1\.\d+$/);
    const info = await runDocker(['info', '--format', '{{.Driver}}|{{.DockerRootDir}}'], { env: daemon.env });
    expect(info.stdout.trim()).toBe(`${daemon.storageDriver}|${daemon.dataRoot}`);
  });

  it('loads a real docker save archive and lists its image ID', async () => {
    const load = await runDocker(['load', '-i', whiteoutTar], { env: daemon.env });
    expect(load.code).toBe(0);
    expect(load.stdout).toContain('Loaded image: fixture/02-whiteout:v1');
    const images = await runDocker(['images', '--format', '{{.ID}}'], { env: daemon.env });
    expect(images.code).toBe(0);
    expect(images.stdout.trim().split('\n')).toEqual(['07019df820f5']);
  });

  it('takes input on stdin', async () => {
    const load = await runDocker(['load'], { env: daemon.env, input: readFileSync(whiteoutTar) });
    expect(load.code).toBe(0);
    expect(load.stdout).toContain('Loaded image: fixture/02-whiteout:v1');
  });

  it('stops: the PID and the temp dir are gone', async () => {
    const { pid, dir } = daemon;
    await daemon.stop();
    stopped = true;
    expect(processAlive(pid)).toBe(false);
    expect(existsSync(dir)).toBe(false);
    expect(mountPointsUnder(dir)).toEqual([]);
  }, 40_000);
});
