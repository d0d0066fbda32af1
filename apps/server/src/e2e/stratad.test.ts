import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fixturesDir } from '../captureFixtures.js';
import { dockerBinary } from '../dockerCli.js';
import { startStratad, stratadBin, type StratadProcess } from './stratadProcess.js';

const stratad = (...args: string[]) => spawnSync(process.execPath, [stratadBin, ...args], { encoding: 'utf8', timeout: 20_000 });

describe.skipIf(!dockerBinary)('stratad process', () => {
  let daemon: StratadProcess;
  beforeAll(async () => {
    daemon = await startStratad();
  });
  afterAll(async () => {
    await daemon?.dispose();
  });

  it('says where it listens and how to point the CLI at it; socket 0600, pidfile with its PID', async () => {
    expect(daemon.output()).toContain(`stratad listening on unix://${daemon.socket}\n`);
    expect(daemon.output()).toContain(`export DOCKER_HOST=unix://${daemon.socket}\n`);
    expect(statSync(daemon.socket).mode & 0o777).toBe(0o600);
    expect(await readFile(daemon.pidfile, 'utf8')).toBe(String(daemon.pid));
  });

  it('answers docker version like dockerd, as Strata', async () => {
    const r = await daemon.docker(['version']);
    expect(r.code).toBe(0);
    const server = r.stdout.split('Server: ')[1];
    expect(server.split('\n').slice(0, 4)).toEqual(['Strata', ' Engine:', '  Version:          0.1.0', '  API version:      1.41 (minimum version 1.12)']);
    expect(r.stdout).toContain(' API version:       1.41 (downgraded from 1.50)');
    const info = await daemon.docker(['info', '--format', '{{.Driver}} {{.DockerRootDir}} {{.OSType}} {{.Images}}']);
    expect(info.stdout).toBe(`strata ${daemon.dataRoot} linux 0\n`);
  });

  it('refuses a second daemon on the same data root', () => {
    const r = stratad('--data-root', daemon.dataRoot, '-H', `unix://${join(daemon.dir, 'second.sock')}`);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^stratad: /);
    expect(existsSync(join(daemon.dir, 'second.sock'))).toBe(false);
  });

  it('shuts down on SIGTERM with exit 0, removing socket and pidfile and releasing the data root', async () => {
    const tar = join(fixturesDir, 'images/01-base/image.tar');
    expect((await daemon.docker(['load', '-i', tar])).stdout).toBe('Loaded image: busybox:local\n');
    expect(await daemon.stop()).toEqual({ code: 0, signal: null });
    expect(existsSync(daemon.socket)).toBe(false);
    expect(existsSync(daemon.pidfile)).toBe(false);

    const again = await startStratad([], daemon.dir);
    try {
      const r = await again.docker(['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}']);
      expect(r.stdout).toBe('busybox:local d9d3d3752bd1\n');
    } finally {
      expect(await again.stop()).toEqual({ code: 0, signal: null });
    }
  });
});

describe('stratad command line', () => {
  it('--version and --help', () => {
    expect(stratad('--version').stdout).toBe('Strata version 0.1.0, API 1.41\n');
    const help = stratad('--help');
    expect(help.status).toBe(0);
    for (const flag of ['--data-root', '-H, --host', '-p, --pidfile', '-D, --debug']) expect(help.stdout).toContain(flag);
  });

  it('refuses TCP off loopback and unknown flags', () => {
    const tcp = stratad('-H', 'tcp://0.0.0.0:2375', '--data-root', '/nonexistent/never-created');
    expect(tcp.status).toBe(1);
    expect(tcp.stderr).toMatch(/^stratad: refusing to listen on tcp:\/\/0\.0\.0\.0:2375: stratad serves TCP only on loopback/);
    expect(existsSync('/nonexistent/never-created')).toBe(false);
    const unknown = stratad('--storage-driver', 'overlay2');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toBe("stratad: unknown flag: --storage-driver\nSee 'stratad --help'.\n");
  });
});
