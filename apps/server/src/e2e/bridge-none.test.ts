// `stratad --bridge=none` against dockerd `--bridge=none`, through the real docker CLI: no default
// bridge network, containers made without --network (or with --network bridge) get loopback only,
// published ports are not bound. The expected facts were read off a real dockerd 20.10 with
// `--bridge=none`; when one can be started here, the same scenario runs against it too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { bridgeNamespaceName } from '@strata/runtime';
import { fixturesDir } from '../captureFixtures.js';
import { type DockerResult } from '../dockerCli.js';
import { runDocker, startDockerd, type Dockerd } from '../testing/dockerd.js';
import { startStratad, type StratadProcess } from './stratadProcess.js';
import { containerE2eSkipReason } from './containerE2eSkip.js';
import { freePort } from '@strata/registry';

const skipReason = containerE2eSkipReason();
if (skipReason) console.log(`bridge-none e2e skipped: ${skipReason}`);

type Docker = (args: string[]) => Promise<DockerResult>;

/** Whether something accepts a TCP connection on 127.0.0.1:port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Interface names `ip -o link` prints inside a container. */
const links = (r: DockerResult): string[] => r.stdout.split('\n').filter(Boolean).map((l) => /^\d+: ([^:@]+)/.exec(l)?.[1] ?? l);

const HOSTS = '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n';

/** What a daemon without a default bridge shows, gathered the same way from either daemon. */
async function bridgelessFacts(docker: Docker) {
  const networks = (await docker(['network', 'ls', '--format', '{{.Name}} {{.Driver}}'])).stdout.split('\n').filter(Boolean).sort();
  const bridge = await docker(['network', 'inspect', 'bridge']);
  const byDefault = await docker(['run', '--rm', 'busybox:local', 'busybox', 'ip', '-o', 'link']);
  const onBridge = await docker(['run', '--rm', '--network', 'bridge', 'busybox:local', 'busybox', 'ip', '-o', 'link']);
  const hosts = await docker(['run', '--rm', 'busybox:local', 'cat', '/etc/hosts']);

  const created = (await docker(['create', 'busybox:local', 'true'])).stdout.trim();
  const createdDisabled = (await docker(['inspect', '--format', '{{.Config.NetworkDisabled}}', created])).stdout.trim();
  await docker(['rm', created]);

  const port = await freePort();
  const web = await docker(['run', '-d', '-p', `${port}:80`, 'busybox:local', 'sleep', '60']);
  const id = web.stdout.trim();
  try {
    const settings = (
      await docker(['inspect', '--format', '{{json .NetworkSettings.Ports}} {{.Config.NetworkDisabled}} {{json .NetworkSettings.IPAddress}} {{json .HostConfig.PortBindings}}', id])
    ).stdout.trim();
    const ps = (await docker(['ps', '--filter', `id=${id}`, '--format', '{{.Ports}}|{{.Networks}}'])).stdout.trim();
    const portCmd = await docker(['port', id]);
    return {
      networks,
      bridge: { code: bridge.code, stdout: bridge.stdout.trim(), stderr: bridge.stderr.trim() },
      byDefault: { code: byDefault.code, links: links(byDefault) },
      onBridge: { code: onBridge.code, links: links(onBridge) },
      hosts: hosts.stdout,
      createdDisabled,
      web: { code: web.code, settings, ps, port: portCmd.stdout.trim(), listening: await accepts(port) },
    };
  } finally {
    await docker(['rm', '-f', id]);
  }
}

/** dockerd 20.10 with `--bridge=none` (observed on this machine). */
const expected = {
  networks: ['host host', 'none null'],
  bridge: { code: 1, stdout: '[]', stderr: 'Error response from daemon: network bridge not found' },
  byDefault: { code: 0, links: ['lo'] },
  onBridge: { code: 0, links: ['lo'] },
  hosts: HOSTS,
  createdDisabled: 'false',
  web: { code: 0, settings: expect.stringMatching(/^\{\} true "" \{"80\/tcp":\[\{"HostIp":"","HostPort":"\d+"\}\]\}$/), ps: '|bridge', port: '', listening: false },
};

describe.skipIf(skipReason !== '')('stratad --bridge=none, as dockerd --bridge=none', () => {
  let daemon: StratadProcess | undefined;

  beforeAll(async () => {
    daemon = await startStratad(['--bridge=none']);
    expect((await daemon.docker(['load', '-i', join(fixturesDir, 'images/01-base/image.tar')])).stdout).toBe('Loaded image: busybox:local\n');
  });

  afterAll(async () => {
    await daemon?.dispose();
  });

  it('has no bridge network, runs containers on loopback only and binds no published port', async () => {
    const facts = await bridgelessFacts((args) => daemon!.docker(args, { timeoutMs: 30_000 }));
    expect(facts).toEqual(expected);
    // Nor is the engine's bridge namespace made.
    const namespaces = existsSync('/run/netns') ? readdirSync('/run/netns') : [];
    expect(namespaces).not.toContain(bridgeNamespaceName(daemon!.dataRoot));
    expect((await daemon!.docker(['ps', '-a', '-q'])).stdout).toBe('');
  });

  it('refuses a bridge name other than none, as it has no way to use one', async () => {
    const { spawnSync } = await import('node:child_process');
    const { stratadBin } = await import('./stratadProcess.js');
    const r = spawnSync(process.execPath, [stratadBin, '--bridge', 'docker0'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--bridge "docker0": only "none" is supported');
  });
});

describe.skipIf(skipReason !== '')('the expected facts are dockerd --bridge=none\'s', () => {
  let dockerd: Dockerd | undefined;
  let skip: string | undefined;

  beforeAll(async () => {
    const started = await startDockerd();
    if ('skip' in started) skip = started.skip;
    else dockerd = started;
  }, 60_000);

  afterAll(async () => {
    await dockerd?.stop();
  });

  it('a real dockerd --bridge=none shows the same', async (ctx) => {
    if (!dockerd) {
      console.warn(`no dockerd here: ${skip}`);
      ctx.skip();
      return;
    }
    const docker: Docker = (args) => runDocker(args, { env: dockerd!.env }).then((r) => ({ code: r.code, stdout: r.stdout, stderr: r.stderr, stdoutBytes: Buffer.from(r.stdout) }));
    expect((await docker(['load', '-i', join(fixturesDir, 'images/01-base/image.tar')])).stdout).toBe('Loaded image: busybox:local\n');
    expect(await bridgelessFacts(docker)).toEqual(expected);
  }, 120_000);
});
