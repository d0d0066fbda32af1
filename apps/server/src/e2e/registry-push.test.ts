// docker push through the real docker CLI against stratad, into Debian's docker-registry on loopback.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type LocalRegistry, startLocalRegistry } from '@strata/registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturesDir } from '../captureFixtures.js';
import { dockerBinary } from '../dockerCli.js';
import { fixtureImage } from './fixtureImages.js';
import { startStratad, type StratadProcess } from './stratadProcess.js';

const sha256 = (b: Uint8Array) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** What the user saw in a capture: the lines between the `$ docker` line and `[exit=N]`. */
function captured(name: string): string[] {
  const text = readFileSync(join(fixturesDir, 'docker-api-captures', name), 'utf8');
  const seen = text.split('## what the user saw')[1].split('## wire log')[0].trim().split('\n').slice(2);
  seen.pop();
  return seen;
}

describe.skipIf(!dockerBinary)('docker push from stratad into a docker-registry on 127.0.0.1', () => {
  let registry: LocalRegistry;
  let daemon: StratadProcess;
  let other: StratadProcess | undefined;
  const base = fixtureImage('01-base');
  beforeAll(async () => {
    registry = await startLocalRegistry();
    daemon = await startStratad();
    expect((await daemon.docker(['load', '-i', base.tar])).code).toBe(0);
    expect((await daemon.docker(['tag', base.tag, `${registry.host}/busybox:local`])).code).toBe(0);
  }, 60_000);
  afterAll(async () => {
    await other?.dispose();
    await daemon?.dispose();
    await registry?.stop();
  });

  it('prints what push.txt shows, then push_auth.txt (layer already there); the registry holds the image by its ID', async () => {
    const r = await daemon.docker(['push', `${registry.host}/busybox:local`]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const raw = execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${registry.host}/busybox:local`]);
    const manifest = JSON.parse(raw.toString()) as { config: { digest: string } };
    expect(manifest.config.digest).toBe(base.inspect.Id);
    const substitute = (l: string) =>
      l.replaceAll('127.0.0.1:5000', registry.host).replace(/sha256:f644a19a31fb[0-9a-f]{52} size: 527/, `${sha256(raw)} size: ${raw.length}`);
    expect(r.stdout.trimEnd().split('\n')).toEqual(captured('push.txt').map(substitute));
    // As dockerd, the push records the manifest's digest as a RepoDigest of the image.
    const inspect = JSON.parse((await daemon.docker(['image', 'inspect', `${registry.host}/busybox:local`])).stdout)[0];
    expect(inspect.RepoDigests).toContain(`${registry.host}/busybox@${sha256(raw)}`);

    const again = await daemon.docker(['push', `${registry.host}/busybox:local`]);
    expect(again.stdout.trimEnd().split('\n')).toEqual(captured('push_auth.txt').map(substitute));
  });

  it('what was pushed pulls back into another stratad as the same image', async () => {
    other = await startStratad();
    const r = await other.docker(['pull', `${registry.host}/busybox:local`]);
    expect(r.code).toBe(0);
    const inspect = JSON.parse((await other.docker(['image', 'inspect', `${registry.host}/busybox:local`])).stdout)[0];
    expect(inspect.Id).toBe(base.inspect.Id);
    expect(inspect.RootFS.Layers).toEqual((base.inspect.RootFS as { Layers: string[] }).Layers);
  });

  it('a tag that is not in the store fails as dockerd says', async () => {
    const r = await daemon.docker(['push', `${registry.host}/nothing:here`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`Error response from daemon: An image does not exist locally with the tag: ${registry.host}/nothing\n`);
  });
});

describe.skipIf(!dockerBinary)('docker login and an authenticated push against a registry with htpasswd', () => {
  let registry: LocalRegistry;
  let daemon: StratadProcess;
  beforeAll(async () => {
    registry = await startLocalRegistry({ htpasswd: { alice: 'pw123' } });
    daemon = await startStratad();
    expect((await daemon.docker(['load', '-i', fixtureImage('01-base').tar])).code).toBe(0);
    expect((await daemon.docker(['tag', 'busybox:local', `${registry.host}/busybox:local`])).code).toBe(0);
  }, 60_000);
  afterAll(async () => {
    await daemon?.dispose();
    await registry?.stop();
  });

  it('refuses a wrong password as dockerd does, logs in as login.txt shows, then pushes with the stored credentials', async () => {
    const wrong = await daemon.docker(['login', '-u', 'alice', '--password-stdin', registry.host], { input: 'nope\n' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(`Error response from daemon: login attempt to http://${registry.host}/v2/ failed with status: 401 Unauthorized`);

    const r = await daemon.docker(['login', '-u', 'alice', '--password-stdin', registry.host], { input: 'pw123\n' });
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe(captured('login.txt').at(-1));
    const push = await daemon.docker(['push', `${registry.host}/busybox:local`]);
    expect(push.code).toBe(0);
    expect(push.stdout).toContain('65f18a0a4581: Pushed\n');
    const raw = execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', '--creds', 'alice:pw123', `docker://${registry.host}/busybox:local`]);
    expect((JSON.parse(raw.toString()) as { config: { digest: string } }).config.digest).toBe(fixtureImage('01-base').inspect.Id);
  });
});
