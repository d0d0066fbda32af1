// docker push/pull over TLS: a docker-registry with a certificate from a CA the test made, trusted
// through certs.d/<host:port>/ca.crt under stratad's config directory.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, copyFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalRegistry, type TestCertificates, makeCertificateAuthority, startLocalRegistry } from '@strata/registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerBinary } from '../dockerCli.js';
import { fixtureImage } from './fixtureImages.js';
import { startStratad, type StratadProcess } from './stratadProcess.js';

const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!dockerBinary || !hasOpenssl)('docker push and pull against a TLS docker-registry', () => {
  let dir: string;
  let certs: TestCertificates;
  /** On [::1]: not in 127.0.0.0/8 (dockerd 20.10's only insecure range), so stratad insists on a verified certificate. */
  let secure: LocalRegistry;
  /** On 127.0.0.1: insecure by Docker's rules, so HTTPS is tried without verification. */
  let loopback: LocalRegistry;
  const daemons: StratadProcess[] = [];
  const base = fixtureImage('01-base');

  /** A stratad whose config directory trusts the test CA for `hosts`. */
  const stratadTrusting = async (hosts: string[]) => {
    const config = join(dir, `config-${daemons.length}`);
    for (const host of hosts) {
      await mkdir(join(config, 'certs.d', host), { recursive: true });
      await copyFile(certs.caCert, join(config, 'certs.d', host, 'ca.crt'));
    }
    const daemon = await startStratad([], undefined, { STRATA_CONFIG_DIR: config });
    daemons.push(daemon);
    return daemon;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'strata-tls-'));
    certs = await makeCertificateAuthority(dir, ['::1', '127.0.0.1', 'localhost']);
    secure = await startLocalRegistry({ address: '::1', tls: { cert: certs.cert, key: certs.key } });
    loopback = await startLocalRegistry({ tls: { cert: certs.cert, key: certs.key } });
  }, 60_000);
  afterAll(async () => {
    for (const d of daemons) await d.dispose();
    await secure?.stop();
    await loopback?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('pushes with the CA from certs.d, pulls it back into another stratad that trusts the CA', async () => {
    const pusher = await stratadTrusting([secure.host]);
    expect((await pusher.docker(['load', '-i', base.tar])).code).toBe(0);
    expect((await pusher.docker(['tag', base.tag, `${secure.host}/busybox:tls`])).code).toBe(0);
    const push = await pusher.docker(['push', `${secure.host}/busybox:tls`]);
    expect(push.stderr).toBe('');
    expect(push.code).toBe(0);
    expect(push.stdout).toContain(`The push refers to repository [${secure.host}/busybox]\n`);
    expect(push.stdout).toMatch(/\ntls: digest: sha256:[0-9a-f]{64} size: \d+\n/);

    const puller = await stratadTrusting([secure.host]);
    const pull = await puller.docker(['pull', `${secure.host}/busybox:tls`]);
    expect(pull.stderr).toBe('');
    expect(pull.stdout).toContain(`Status: Downloaded newer image for ${secure.host}/busybox:tls\n`);
    const inspect = JSON.parse((await puller.docker(['image', 'inspect', `${secure.host}/busybox:tls`])).stdout)[0];
    expect(inspect.Id).toBe(base.inspect.Id);
  });

  it('without the CA the pull fails with the x509 error dockerd gives, and keeps nothing', async () => {
    const stranger = await stratadTrusting([]);
    const r = await stranger.docker(['pull', `${secure.host}/busybox:tls`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`Error response from daemon: Get "https://${secure.host}/v2/": x509: certificate signed by unknown authority\n`);
    expect((await stranger.docker(['images', '-q'])).stdout).toBe('');
  });

  it('a CA for another host does not make the registry trusted', async () => {
    const other = await stratadTrusting(['[::1]:1']);
    const r = await other.docker(['pull', `${secure.host}/busybox:tls`]);
    expect(r.stderr).toContain('x509: certificate signed by unknown authority');
  });

  it('a TLS registry on 127.0.0.1 is insecure by default: HTTPS without verification, no CA needed', async () => {
    const daemon = await stratadTrusting([]);
    expect((await daemon.docker(['load', '-i', base.tar])).code).toBe(0);
    expect((await daemon.docker(['tag', base.tag, `${loopback.host}/busybox:loop`])).code).toBe(0);
    const push = await daemon.docker(['push', `${loopback.host}/busybox:loop`]);
    expect(push.stderr).toBe('');
    expect(push.code).toBe(0);
    const fresh = await stratadTrusting([]);
    const pull = await fresh.docker(['pull', `${loopback.host}/busybox:loop`]);
    expect(pull.stderr).toBe('');
    expect(pull.stdout).toContain(`Status: Downloaded newer image for ${loopback.host}/busybox:loop\n`);
    // The registry speaks only TLS: a plain-HTTP request is refused, so the pull really went over HTTPS.
    const plain = await fetch(`http://${loopback.host}/v2/`);
    expect(plain.status).toBe(400);
  });
});
