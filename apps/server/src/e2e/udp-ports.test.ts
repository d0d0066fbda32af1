// Published UDP ports end to end through the real docker CLI: a UDP echo server in a container
// behind `-p 127.0.0.1:PORT:53/udp` and `-p PORT:9999/udp`, reached only on 127.0.0.1.
// The fixture's busybox has no UDP server applet, so the echo is the host's own Node, run in the
// container through the host's dynamic loader with the host's library directory bound in read-only.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import dgram from 'node:dgram';
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { bridgeNamespaceName, removeBridgeNetwork } from '@strata/runtime';
import { fixturesDir } from '../captureFixtures.js';
import { containerE2eSkipReason } from './containerE2eSkip.js';
import { startStratad, type StratadProcess } from './stratadProcess.js';

const loader = existsSync('/lib64/ld-linux-x86-64.so.2') ? realpathSync('/lib64/ld-linux-x86-64.so.2') : '';
const skipReason = containerE2eSkipReason(
  [
    { name: 'ip', path: '/usr/sbin/ip', aptPackage: 'iproute2' },
    { name: 'nsenter', path: '/usr/bin/nsenter', aptPackage: 'util-linux' },
    { name: 'the x86-64 dynamic loader', path: loader, aptPackage: 'libc6' },
  ],
  'the bridge needs root here',
);
if (skipReason) console.log(`UDP ports e2e skipped: ${skipReason}`);

/** Answers every datagram on 53 and 9999 with `<port it came in on> <sender address>:<sender port> <payload>`. */
const ECHO = `const d = require('dgram'); for (const p of [53, 9999]) { const s = d.createSocket('udp4'); s.on('message', (m, r) => s.send(Buffer.concat([Buffer.from(p + ' ' + r.address + ':' + r.port + ' '), m]), r.port, r.address)); s.bind(p); }`;
const echoRun = ['-v', `${process.execPath}:/x/node:ro`, '-v', `${dirname(loader)}:/x/lib:ro`, 'busybox:local', `/x/lib/${loader.split('/').pop()}`, '--library-path', '/x/lib', '/x/node', '-e', ECHO];

/** A UDP port nothing is bound to right now (the kernel's pick on loopback). */
async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(r));
  return port;
}

/** A client socket on 127.0.0.1; `ask` sends one datagram and waits up to 2 s for one answer. */
async function udpClient(): Promise<{ ask: (port: number, text: string) => Promise<string>; close: () => void }> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  return {
    ask: (port, text) =>
      new Promise((resolve) => {
        const timer = setTimeout(() => {
          s.off('message', on);
          resolve('no answer');
        }, 2000);
        const on = (m: Buffer) => {
          clearTimeout(timer);
          resolve(m.toString());
        };
        s.once('message', on);
        s.send(text, port, '127.0.0.1');
      }),
    close: () => s.close(),
  };
}

describe.skipIf(skipReason !== '')('published UDP ports through the real docker CLI', () => {
  let daemon: StratadProcess | undefined;
  let dir = '';
  let bridgeNs = '';
  const docker = (...args: string[]) => daemon!.docker(args, { timeoutMs: 30_000 });
  const held: dgram.Socket[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stratad-udp-'));
    daemon = await startStratad([], dir);
    bridgeNs = bridgeNamespaceName(daemon.dataRoot);
    expect((await docker('load', '-i', join(fixturesDir, 'images/01-base/image.tar'))).stdout).toBe('Loaded image: busybox:local\n');
  });

  afterEach(async () => {
    for (const s of held.splice(0)) s.close();
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
    if (bridgeNs) expect(readdirSync('/run/netns').filter((n) => n.startsWith(bridgeNs))).toEqual([]);
  });

  it('-p 127.0.0.1:P:53/udp and -p P:9999/udp relay datagrams both ways, one flow per client; port, inspect and ps say /udp', async () => {
    const [dns, other] = [await freeUdpPort(), await freeUdpPort()];
    const run = await docker('run', '-d', '--name', 'echo', '-p', `127.0.0.1:${dns}:53/udp`, '-p', `${other}:9999/udp`, ...echoRun);
    expect([run.code, run.stderr]).toEqual([0, '']);
    const [a, b] = [await udpClient(), await udpClient()];
    try {
      // The server needs a moment to bind; until then datagrams go unanswered, as UDP does.
      await expect.poll(() => a.ask(dns, 'hello'), { timeout: 20_000, interval: 200 }).toMatch(/^53 172\.17\.0\.1:\d+ hello$/);
      // The container sees the bridge's gateway, one source port per client address (the flow table).
      const [a1, a2, b1] = [await a.ask(dns, 'again'), await a.ask(dns, 'more'), await b.ask(dns, 'other')];
      const portOf = (answer: string) => /^53 172\.17\.0\.1:(\d+) /.exec(answer)?.[1];
      expect([a1.endsWith(' again'), a2.endsWith(' more'), b1.endsWith(' other')]).toEqual([true, true, true]);
      expect(portOf(a2)).toBe(portOf(a1));
      expect(portOf(b1)).not.toBe(portOf(a1));
      expect(await b.ask(other, 'to 9999')).toMatch(/^9999 172\.17\.0\.1:\d+ to 9999$/);
    } finally {
      a.close();
      b.close();
    }

    expect((await docker('port', 'echo')).stdout).toBe(`53/udp -> 127.0.0.1:${dns}\n9999/udp -> 127.0.0.1:${other}\n`);
    expect((await docker('port', 'echo', '53/udp')).stdout).toBe(`127.0.0.1:${dns}\n`);
    const settings = JSON.parse((await docker('inspect', '-f', '{{json .NetworkSettings.Ports}}', 'echo')).stdout);
    expect(settings).toEqual({ '53/udp': [{ HostIp: '127.0.0.1', HostPort: String(dns) }], '9999/udp': [{ HostIp: '127.0.0.1', HostPort: String(other) }] });
    expect((await docker('ps', '--format', '{{.Names}} {{.Ports}}')).stdout).toBe(`echo 127.0.0.1:${dns}->53/udp, 127.0.0.1:${other}->9999/udp\n`);

    // Stopped: both ports are free to bind again.
    await docker('stop', '-t', '1', 'echo');
    for (const port of [dns, other]) {
      const s = dgram.createSocket('udp4');
      held.push(s);
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.bind(port, '127.0.0.1', resolve);
      });
    }
  });

  it('a UDP host port already taken: Go\'s bind error, and the container is left created', async () => {
    const blocker = dgram.createSocket('udp4');
    held.push(blocker);
    await new Promise<void>((r) => blocker.bind(0, '127.0.0.1', r));
    const port = blocker.address().port;
    const r = await docker('run', '-d', '--name', 'clash', '-p', `127.0.0.1:${port}:53/udp`, 'busybox:local', 'sleep', '30');
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(new RegExp(`^docker: Error response from daemon: driver failed programming external connectivity on endpoint clash \\([0-9a-f]{64}\\): Error starting userland proxy: listen udp4 127\\.0\\.0\\.1:${port}: bind: address already in use\\.?\\n`));
    expect((await docker('inspect', '-f', '{{.State.Status}} {{.NetworkSettings.IPAddress}}', 'clash')).stdout).toBe('created \n');
  });
});
