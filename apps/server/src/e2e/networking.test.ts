// The seed's web server example and the default bridge, end to end through the real docker CLI:
// every request goes to 127.0.0.1 or stays inside namespaces the daemon under test made.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bridgeNamespaceName, removeBridgeNetwork } from '@strata/runtime';
import { capturedJson, fixturesDir } from '../captureFixtures.js';
import { startStratad, type StratadProcess } from './stratadProcess.js';
import { containerE2eSkipReason } from './containerE2eSkip.js';
import { freePort } from '@strata/registry';

const skipReason = containerE2eSkipReason([{ name: 'ip', path: '/usr/sbin/ip', aptPackage: 'iproute2' }, { name: 'nsenter', path: '/usr/bin/nsenter', aptPackage: 'util-linux' }], 'the bridge needs root here');
if (skipReason) console.log(`networking e2e skipped: ${skipReason}`);

/** One HTTP/1.0 GET to 127.0.0.1:port: status line and body. */
async function httpGet(port: number, path = '/'): Promise<{ status: string; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(5000) });
  return { status: `${res.status}`, body: await res.text() };
}

/** Links of a namespace by name (inside the bridge namespace only). */
function linksIn(namespace: string): string[] {
  return readdirSync('/run/netns').includes(namespace) ? ipLinks(namespace) : [];
}

function ipLinks(namespace: string): string[] {
  const out = execFileSync('ip', ['-n', namespace, '-o', 'link', 'show'], { encoding: 'utf8' });
  return out.split('\n').filter(Boolean).map((l) => l.split(': ')[1]!.split('@')[0]!);
}

describe.skipIf(skipReason !== '')('the default bridge and published ports through the real docker CLI', () => {
  let daemon: StratadProcess | undefined;
  let dir = '';
  let bridgeNs = '';
  const docker = (...args: string[]) => daemon!.docker(args, { timeoutMs: 30_000 });
  const blockers: net.Server[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stratad-net-'));
    daemon = await startStratad([], dir);
    bridgeNs = bridgeNamespaceName(daemon.dataRoot);
    expect((await docker('load', '-i', join(fixturesDir, 'images/01-base/image.tar'))).stdout).toBe('Loaded image: busybox:local\n');
  });

  afterEach(async () => {
    for (const b of blockers.splice(0)) await new Promise((r) => b.close(r));
    const ids = (await docker('ps', '-a', '-q')).stdout.split('\n').filter(Boolean);
    if (ids.length > 0) await docker('rm', '-f', '-v', ...ids);
  });

  afterAll(async () => {
    if (daemon) {
      const ids = (await docker('ps', '-a', '-q').catch(() => ({ stdout: '' }))).stdout.split('\n').filter(Boolean);
      if (ids.length > 0) await docker('rm', '-f', '-v', ...ids).catch(() => undefined);
      await daemon.stop();
    }
    if (dir) {
      await removeBridgeNetwork(join(dir, 'root'));
      await rm(dir, { recursive: true, force: true });
    }
    // Nothing of this daemon's network is left: no bridge namespace, no container namespace.
    if (bridgeNs) expect(readdirSync('/run/netns').filter((n) => n.startsWith(bridgeNs))).toEqual([]);
  });

  it('the seed: docker run --name web -d -p PORT:80 httpd serves the page on 127.0.0.1:PORT', async () => {
    const port = await freePort();
    const page = `<h1>strata ${port}</h1>`;
    const fill = await docker('run', '--rm', '-v', 'site:/www', 'busybox:local', 'sh', '-c', `echo '${page}' > /www/index.html`);
    expect([fill.code, fill.stderr]).toEqual([0, '']);
    const run = await docker('run', '--name', 'web', '-d', '-p', `${port}:80`, '-v', 'site:/www', 'busybox:local', 'httpd', '-f', '-p', '80', '-h', '/www');
    expect([run.code, run.stderr]).toEqual([0, '']);
    await expect.poll(async () => (await httpGet(port).catch((e: Error) => ({ status: e.message, body: '' }))), { timeout: 5000 }).toEqual({ status: '200', body: `${page}\n` });

    // The first container on this bridge got 172.17.0.2 (the --rm one before it gave its address back).
    const settings = JSON.parse((await docker('inspect', '-f', '{{json .NetworkSettings}}', 'web')).stdout);
    expect(settings).toMatchObject({
      IPAddress: '172.17.0.2', IPPrefixLen: 16, Gateway: '172.17.0.1', MacAddress: '02:42:ac:11:00:02',
      Ports: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] },
      Networks: { bridge: { IPAddress: '172.17.0.2', Gateway: '172.17.0.1', MacAddress: '02:42:ac:11:00:02' } },
    });
    expect(settings.SandboxKey).toBe(`/run/netns/${bridgeNs}-${run.stdout.trim()}`);
    expect((await docker('port', 'web')).stdout).toBe(`80/tcp -> 127.0.0.1:${port}\n`);
    expect((await docker('port', 'web', '80')).stdout).toBe(`127.0.0.1:${port}\n`);
    expect((await docker('ps', '--format', '{{.Names}} {{.Ports}}')).stdout).toBe(`web 127.0.0.1:${port}->80/tcp\n`);

    // /etc/hosts as Docker writes it on the bridge: the defaults, then the own address last.
    const second = await docker('run', '--rm', 'busybox:local', 'sh', '-c', 'cat /etc/hosts; hostname');
    const lines = second.stdout.split('\n');
    const hostname = lines.at(-2);
    expect(lines.slice(0, 7)).toEqual(['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback', 'fe00::0\tip6-localnet', 'ff00::0\tip6-mcastprefix', 'ff02::1\tip6-allnodes', 'ff02::2\tip6-allrouters', `172.17.0.3\t${hostname}`]);

    // Stopping gives the address and the port back.
    await docker('stop', '-t', '1', 'web');
    expect((await docker('inspect', '-f', '{{json .NetworkSettings.Ports}} {{.NetworkSettings.IPAddress}}', 'web')).stdout).toBe('{} \n');
    await expect(httpGet(port)).rejects.toThrow();
    expect(readdirSync('/run/netns')).not.toContain(`${bridgeNs}-${run.stdout.trim()}`);
  });

  it('two containers reach each other by address (ping from inside each)', async () => {
    const busybox = '/bin/busybox';
    if (!existsSync(busybox)) return console.log('ping check skipped: busybox-static missing on the host');
    // The fixture image has no ping applet: the host's static busybox is bound in read-only.
    const tool = ['-v', `${busybox}:/x/busybox:ro`];
    const a = await docker('run', '-d', '--name', 'pa', ...tool, 'busybox:local', 'sh', '-c', 'until /x/busybox ping -c 1 -W 1 172.17.0.3 >/dev/null; do sleep 1; done; echo a reached 172.17.0.3; exec sleep 300');
    const b = await docker('run', '-d', '--name', 'pb', ...tool, 'busybox:local', 'sh', '-c', 'until /x/busybox ping -c 1 -W 1 172.17.0.2 >/dev/null; do sleep 1; done; echo b reached 172.17.0.2; exec sleep 300');
    expect([a.code, b.code]).toEqual([0, 0]);
    expect((await docker('inspect', '-f', '{{.NetworkSettings.IPAddress}}', 'pa', 'pb')).stdout).toBe('172.17.0.2\n172.17.0.3\n');
    await expect.poll(async () => (await docker('logs', 'pa')).stdout, { timeout: 15_000 }).toBe('a reached 172.17.0.3\n');
    await expect.poll(async () => (await docker('logs', 'pb')).stdout, { timeout: 15_000 }).toBe('b reached 172.17.0.2\n');
    // Both veths hang off the bridge inside its namespace; the host's namespace has neither.
    const links = linksIn(bridgeNs);
    expect(links.filter((l) => l.startsWith('veth')).sort()).toEqual([`veth${a.stdout.slice(0, 7)}`, `veth${b.stdout.slice(0, 7)}`].sort());
    expect(links).toContain('strata0');
  });

  it('--network none has only lo and the six default hosts lines; --network host sees the host\'s hosts file', async () => {
    const none = await docker('run', '--rm', '--network', 'none', 'busybox:local', 'sh', '-c', 'ls /sys/class/net; cat /etc/hosts');
    expect(none.stdout).toBe('lo\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n');
    const host = await docker('run', '--rm', '--network', 'host', 'busybox:local', 'cat', '/etc/hosts', '/etc/resolv.conf');
    expect(host.stdout).toBe(readFileSync('/etc/hosts', 'utf8') + readFileSync('/etc/resolv.conf', 'utf8'));
    const bridged = await docker('run', '--rm', 'busybox:local', 'sh', '-c', 'ls /sys/class/net; cat /etc/resolv.conf');
    expect(bridged.stdout).toBe('eth0\nlo\nnameserver 127.0.0.11\noptions ndots:0\n');
  });

  it('-p 80 and -P with an exposed port get random host ports on loopback', async () => {
    const one = await docker('run', '-d', '--name', 'r1', '-p', '80', 'busybox:local', 'httpd', '-f', '-p', '80', '-h', '/bin');
    const all = await docker('run', '-d', '--name', 'r2', '--expose', '80', '--expose', '7000', '-P', 'busybox:local', 'httpd', '-f', '-p', '80', '-h', '/bin');
    expect([one.code, one.stderr, all.code, all.stderr]).toEqual([0, '', 0, '']);
    for (const name of ['r1', 'r2']) {
      const lines = (await docker('port', name)).stdout.split('\n').filter(Boolean);
      const m = /^80\/tcp -> 127\.0\.0\.1:(\d+)$/.exec(lines[0] ?? '');
      expect(m, lines.join('|')).not.toBeNull();
      await expect.poll(async () => (await httpGet(Number(m![1]), '/nothing').catch((e: Error) => ({ status: e.message, body: '' }))).status, { timeout: 5000 }).toBe('404');
      if (name === 'r2') expect(lines[1]).toMatch(/^7000\/tcp -> 127\.0\.0\.1:\d+$/);
    }
  });

  it('a host port already taken: a clear error, and nothing of the container left wired', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    blockers.push(blocker);
    const port = (blocker.address() as net.AddressInfo).port;
    const r = await docker('run', '-d', '--name', 'clash', '-p', `127.0.0.1:${port}:80`, 'busybox:local', 'httpd', '-f', '-p', '80');
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(new RegExp(`^docker: Error response from daemon: driver failed programming external connectivity on endpoint clash \\([0-9a-f]{64}\\): Error starting userland proxy: listen tcp4 127\\.0\\.0\\.1:${port}: bind: address already in use\\.?\\n`));
    const id = (await docker('inspect', '-f', '{{.Id}}', 'clash')).stdout.trim();
    expect((await docker('inspect', '-f', '{{.State.Status}} {{.NetworkSettings.IPAddress}}', 'clash')).stdout).toBe('created \n');
    expect(readdirSync('/run/netns')).not.toContain(`${bridgeNs}-${id}`);
    expect(linksIn(bridgeNs).filter((l) => l.startsWith('veth'))).toEqual([]);
    // The port is the blocker's alone: once it goes, the same container starts and serves.
    await new Promise((res) => blocker.close(res));
    blockers.splice(0);
    expect((await docker('start', 'clash')).code).toBe(0);
    await expect.poll(async () => (await httpGet(port, '/x').catch((e: Error) => ({ status: e.message, body: '' }))).status, { timeout: 5000 }).toBe('404');
  });

  it('GET /networks and network inspect for bridge, host and none, shaped as dockerd\'s', async () => {
    const ls = await docker('network', 'ls', '--format', '{{.Name}} {{.Driver}} {{.Scope}}');
    expect(ls.stdout).toBe('bridge bridge local\nhost host local\nnone null local\n');
    const captured = (capturedJson('network_ls')[0] as Array<Record<string, unknown>>)[0]!;
    const none = JSON.parse((await docker('network', 'inspect', 'none')).stdout)[0];
    expect(Object.keys(none)).toEqual(Object.keys(captured));
    expect({ ...none, Id: '', Created: '' }).toEqual({ ...captured, Id: '', Created: '' });
    await docker('run', '-d', '--name', 'member', 'busybox:local', 'sleep', '300');
    const id = (await docker('inspect', '-f', '{{.Id}}', 'member')).stdout.trim();
    const bridge = JSON.parse((await docker('network', 'inspect', 'bridge')).stdout)[0];
    expect(bridge).toMatchObject({ Name: 'bridge', Driver: 'bridge', IPAM: { Driver: 'default', Options: null, Config: [{ Subnet: '172.17.0.0/16', Gateway: '172.17.0.1' }] } });
    expect(bridge.Containers[id]).toMatchObject({ Name: 'member', MacAddress: '02:42:ac:11:00:02', IPv4Address: '172.17.0.2/16', IPv6Address: '' });
    const byPrefix = await docker('network', 'inspect', '-f', '{{.Name}}', bridge.Id.slice(0, 12));
    expect(byPrefix.stdout).toBe('bridge\n');
    const unknown = await docker('network', 'inspect', 'nosuchnet');
    expect([unknown.code, unknown.stderr]).toEqual([1, 'Error response from daemon: network nosuchnet not found\n']);
  });

  it('a port forwarder that dies is replaced and the published ports come back', async () => {
    const port = await freePort();
    expect((await docker('run', '-d', '--name', 'steady', '-p', `${port}:80`, 'busybox:local', 'httpd', '-f', '-p', '80', '-h', '/bin')).code).toBe(0);
    await expect.poll(async () => (await httpGet(port, '/x').catch((e: Error) => ({ status: e.message, body: '' }))).status, { timeout: 5000 }).toBe('404');
    const forwarders = () =>
      execFileSync('ip', ['netns', 'pids', bridgeNs], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number)
        .filter((pid) => { try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('strata-port-forwarder'); } catch { return false; } });
    const [old] = forwarders();
    expect(old).toBeGreaterThan(0);
    process.kill(old!, 'SIGKILL');
    await expect.poll(() => forwarders().filter((p) => p !== old).length, { timeout: 5000 }).toBe(1);
    await expect.poll(async () => (await httpGet(port, '/x').catch((e: Error) => ({ status: e.message, body: '' }))).status, { timeout: 5000 }).toBe('404');
  });

  it('a restarted stratad (after kill -9) re-adopts the bridge: the port forwards again, addresses stay taken', async () => {
    const port = await freePort();
    const web = await docker('run', '-d', '--name', 'survivor', '-p', `${port}:80`, 'busybox:local', 'httpd', '-f', '-p', '80', '-h', '/bin');
    expect(web.code).toBe(0);
    await expect.poll(async () => (await httpGet(port, '/x').catch((e: Error) => ({ status: e.message, body: '' }))).status, { timeout: 5000 }).toBe('404');
    const first = daemon!;
    daemon = undefined;
    process.kill(first.pid, 'SIGKILL');
    await first.stop();
    // The forwarder leaves with the engine that started it.
    await expect.poll(async () => httpGet(port, '/x').then(() => 'up', () => 'down'), { timeout: 5000 }).toBe('down');
    daemon = await startStratad([], dir);
    await expect.poll(async () => (await httpGet(port, '/x').catch((e: Error) => ({ status: e.message, body: '' }))).status, { timeout: 5000 }).toBe('404');
    expect((await docker('inspect', '-f', '{{.NetworkSettings.IPAddress}}', 'survivor')).stdout).toBe('172.17.0.2\n');
    const next = await docker('run', '--rm', 'busybox:local', 'sh', '-c', 'tail -n 1 /etc/hosts');
    expect(next.stdout).toMatch(/^172\.17\.0\.3\t[0-9a-f]{12}\n$/);
  });
});
