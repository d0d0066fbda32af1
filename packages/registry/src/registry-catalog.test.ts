import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRegistry, freePort, startLocalRegistry } from './local-registry.js';
import { RegistryClient } from './registry-client.js';

const fixtures = join(import.meta.dirname, '../../../../shared/fixtures/images');

function skopeoPush(fixture: string, dest: string): void {
  execFileSync('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `docker-archive:${join(fixtures, fixture, 'image.tar')}`, `docker://${dest}`], { stdio: 'pipe' });
}

describe('RegistryClient.catalog against docker-registry', () => {
  let registry: LocalRegistry;
  const client = new RegistryClient();

  beforeAll(async () => {
    registry = await startLocalRegistry();
    skopeoPush('01-base', `${registry.host}/busybox:local`);
    skopeoPush('02-whiteout', `${registry.host}/fixture/whiteout:v1`);
    skopeoPush('01-base', `${registry.host}/alpha:v1`);
  }, 60_000);
  afterAll(async () => {
    await registry?.stop();
  });

  it('lists every repository the registry holds, in its order', async () => {
    expect(await client.catalog(registry.host)).toEqual(['alpha', 'busybox', 'fixture/whiteout']);
  });

  it('follows the Link header when the registry answers one repository per page', async () => {
    expect(await client.catalog(registry.host, { pageSize: 1 })).toEqual(['alpha', 'busybox', 'fixture/whiteout']);
  });

  it('fails with the address when nothing listens there', async () => {
    const port = await freePort();
    await expect(client.catalog(`127.0.0.1:${port}`)).rejects.toThrow(`127.0.0.1:${port}`);
  });
});
