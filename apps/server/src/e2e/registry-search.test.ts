// docker search through the real docker CLI against stratad, over a docker-registry's _catalog on loopback.
import { execFileSync } from 'node:child_process';
import { type LocalRegistry, startLocalRegistry } from '@strata/registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capturedOutput } from '../captureFixtures.js';
import { dockerBinary } from '../dockerCli.js';
import { fixtureImage } from './fixtureImages.js';
import { startStratad, type StratadProcess } from './stratadProcess.js';

function skopeoPush(fixture: string, dest: string): void {
  execFileSync('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `docker-archive:${fixtureImage(fixture).tar}`, `docker://${dest}`], { stdio: 'pipe' });
}

describe.skipIf(!dockerBinary)('docker search against stratad over a docker-registry on 127.0.0.1', () => {
  let registry: LocalRegistry;
  let daemon: StratadProcess;
  beforeAll(async () => {
    registry = await startLocalRegistry();
    skopeoPush('01-base', `${registry.host}/busybox:local`);
    skopeoPush('02-whiteout', `${registry.host}/fixture/whiteout:v1`);
    daemon = await startStratad();
  }, 60_000);
  afterAll(async () => {
    await daemon?.dispose();
    await registry?.stop();
  });

  it('lists the catalog repositories that contain the term, as a v2 registry has them (no description, no stars)', async () => {
    const r = await daemon.docker(['search', `${registry.host}/busy`]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const [header, ...rows] = r.stdout.trimEnd().split('\n');
    expect(header.split(/\s{2,}/)).toEqual(['NAME', 'DESCRIPTION', 'STARS', 'OFFICIAL']);
    expect(rows.map((l) => l.split(/\s+/))).toEqual([[`${registry.host}/busybox`, '0']]);
  });

  it('matches anywhere in the name, honours --limit and --filter', async () => {
    const names = async (...args: string[]) => (await daemon.docker(['search', '--format', '{{.Name}} {{.StarCount}}', ...args])).stdout;
    expect(await names(`${registry.host}/x`)).toBe(`${registry.host}/busybox 0\n${registry.host}/fixture/whiteout 0\n`);
    expect(await names('--limit', '1', `${registry.host}/x`)).toBe(`${registry.host}/busybox 0\n`);
    expect(await names(`${registry.host}/WHITE`)).toBe(`${registry.host}/fixture/whiteout 0\n`);
    expect(await names('--filter', 'is-official=true', `${registry.host}/x`)).toBe('');
    expect(await names('--filter', 'stars=1', `${registry.host}/x`)).toBe('');
    expect(await names(`${registry.host}/nothing-like-it`)).toBe('');
  });

  it('refuses a bad filter as dockerd does', async () => {
    const r = await daemon.docker(['search', '--filter', 'color=red', `${registry.host}/busy`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("Error response from daemon: invalid filter 'color'\n");
  });

  it('never contacts Docker Hub: a Hub term fails like dockerd offline (search.txt), naming the same URL', async () => {
    const want = capturedOutput('search');
    const r = await daemon.docker(['search', 'busybox']);
    expect(r.code).toBe(1);
    const prefix = want[0].split('": ')[0];
    expect(prefix).toBe('Error response from daemon: Get "https://index.docker.io/v1/search?q=busybox&n=25');
    expect(r.stderr.startsWith(`${prefix}": `)).toBe(true);
  });
});
