import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { access, readdir, readFile, statfs } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { StrataError, type BridgeEndpoint, type NetworkPort, type PortBinding } from '@strata/core';
import { runCommand } from '../host-command.js';
import { FORWARDER_MARKER } from './forwarder-source.js';
import { PortForwarder } from './port-forwarder.js';

/** statfs magic of a live namespace file (network-recipes §5.1); a stale one is a plain file. */
const NSFS_MAGIC = 0x6e736673;
const NETNS_DIR = '/run/netns';
const BRIDGE = 'strata0';
const BRIDGE_MAC = '02:42:5e:1f:00:01';

export interface BridgeNetworkOptions {
  /** The engine's data root: names the bridge namespace, so engines on other roots never share one. */
  dataRoot: string;
  /** Where bindings without an address listen (dockerd's `--ip`); default 127.0.0.1. */
  defaultHostIp?: string;
  log?: (message: string) => void;
}

/** The bridge network with its namespace names (tests use them to check and clean up). */
export interface BridgeNetwork extends NetworkPort {
  /** Name of the bridge namespace under /run/netns (`strata-<8 hex of the data root>`). */
  readonly namespace: string;
  /** PID of the port forwarder, while one runs. */
  forwarderPid(): number | undefined;
}

/** `strata-<8 hex>`: the bridge namespace of a data root. */
export function bridgeNamespaceName(dataRoot: string): string {
  return `strata-${createHash('sha256').update(dataRoot).digest('hex').slice(0, 8)}`;
}

async function isLiveNamespace(path: string): Promise<boolean> {
  try {
    return (await statfs(path)).type === NSFS_MAGIC;
  } catch {
    return false;
  }
}

/** Run `ip` with a batch of commands on stdin (`ip -b -`): one process for several steps. */
function ipBatch(args: string[], lines: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', [...args, '-b', '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stderr }));
    child.stdin!.end(`${lines.join('\n')}\n`);
  });
}

async function ip(args: string[]): Promise<void> {
  const r = await runCommand('ip', args);
  if (r.code !== 0) throw new StrataError('internal', `ip ${args.join(' ')}: ${r.stderr.trim()}`);
}

/**
 * Docker's default bridge, kept off the host (network-recipes §1): a bridge `strata0`
 * (172.17.0.1/16) inside a network namespace of the engine's own, one namespace per container
 * joined to it by a veth, and published ports as listeners in the host's namespace served by a
 * forwarder that lives in the bridge namespace. The host's own links and routes are never touched.
 */
export function createBridgeNetwork(options: BridgeNetworkOptions): BridgeNetwork {
  const namespace = bridgeNamespaceName(options.dataRoot);
  const namespacePath = `${NETNS_DIR}/${namespace}`;
  const log = options.log ?? (() => undefined);
  /** What each container publishes, by forwarder key, to serve again if the forwarder dies. */
  const published = new Map<string, Map<string, { hostIp: string; hostPort: number; ip: string; port: number; protocol: 'tcp' | 'udp' }>>();
  const republish = async (): Promise<void> => {
    for (const entries of published.values()) {
      for (const [key, e] of entries) {
        await forwarder.serve(key, e.hostIp, e.hostPort, e.ip, e.port, e.protocol).catch((err: Error) => log(`re-publishing ${e.hostIp}:${e.hostPort}: ${err.message}`));
      }
    }
  };
  const forwarder = new PortForwarder(namespacePath, log, () => void republish());
  const containerNamespace = (id: string) => `${namespace}-${id}`;
  const veth = (id: string) => `veth${id.slice(0, 7)}`;
  let bridgeReady: Promise<void> | undefined;
  let leftoversSwept = false;

  /** Kill forwarders a previous engine left in the namespace (checked by cmdline, killed by PID). */
  async function sweepLeftoverForwarders(): Promise<void> {
    if (leftoversSwept) return;
    leftoversSwept = true;
    const r = await runCommand('ip', ['netns', 'pids', namespace]);
    for (const pid of r.stdout.split(/\s+/).filter((p) => /^[0-9]+$/.test(p)).map(Number)) {
      if (pid === forwarder.pid) continue;
      const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
      if (!cmdline.includes(FORWARDER_MARKER)) continue;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
  }

  async function buildBridge(): Promise<void> {
    if (await isLiveNamespace(namespacePath)) {
      const r = await runCommand('ip', ['-n', namespace, 'link', 'show', 'dev', BRIDGE]);
      if (r.code === 0) {
        await sweepLeftoverForwarders();
        return;
      }
    }
    // A stale file (after a reboot) or a half-built namespace: start over.
    await runCommand('ip', ['netns', 'del', namespace]);
    await ip(['netns', 'add', namespace]);
    const r = await ipBatch(['-n', namespace], [
      'link set lo up',
      `link add ${BRIDGE} type bridge`,
      `link set ${BRIDGE} address ${BRIDGE_MAC}`,
      `addr add 172.17.0.1/16 brd 172.17.255.255 dev ${BRIDGE}`,
      `link set ${BRIDGE} up`,
    ]);
    if (r.code !== 0) throw new StrataError('internal', `building the bridge in ${namespace}: ${r.stderr.trim()}`);
    // A new namespace inherits the host's ip_forward; the bridge forwards at layer 2 without it.
    await runCommand('nsenter', [`--net=${namespacePath}`, 'sysctl', '-qw', 'net.ipv4.ip_forward=0']);
  }

  const ensureBridge = (): Promise<void> => {
    bridgeReady ??= buildBridge().catch((e) => {
      bridgeReady = undefined;
      throw e;
    });
    return bridgeReady;
  };

  async function unpublish(id: string): Promise<void> {
    const entries = published.get(id);
    published.delete(id);
    for (const key of entries?.keys() ?? []) await forwarder.unserve(key);
  }

  const network: BridgeNetwork = {
    namespace,
    defaultHostIp: options.defaultHostIp ?? '127.0.0.1',
    forwarderPid: () => forwarder.pid,

    async available() {
      if (process.platform !== 'linux') return { ok: false, reason: 'the bridge network needs Linux' };
      if (process.getuid?.() !== 0) return { ok: false, reason: 'the bridge network needs root' };
      for (const bin of ['/usr/bin/nsenter', '/usr/sbin/ip', '/bin/ip', '/sbin/ip']) {
        if (bin.endsWith('nsenter')) {
          if (!(await access(bin, constants.X_OK).then(() => true, () => false))) return { ok: false, reason: 'nsenter is missing: apt-get install util-linux' };
        } else if (await access(bin, constants.X_OK).then(() => true, () => false)) {
          return { ok: true };
        }
      }
      return { ok: false, reason: 'ip is missing: apt-get install iproute2' };
    },

    sandboxKey: (id) => `${NETNS_DIR}/${containerNamespace(id)}`,

    async attach(id, endpoint: BridgeEndpoint) {
      await ensureBridge();
      const ns = containerNamespace(id);
      await ip(['netns', 'add', ns]);
      try {
        const outer = await ipBatch(['-n', namespace], [`link add ${veth(id)} type veth peer name eth0 netns ${ns}`, `link set ${veth(id)} master ${BRIDGE} up`]);
        if (outer.code !== 0) throw new StrataError('internal', `connecting ${ns} to ${BRIDGE}: ${outer.stderr.trim()}`);
        const inner = await ipBatch(['-n', ns], [
          'link set lo up',
          `link set eth0 address ${endpoint.macAddress}`,
          `addr add ${endpoint.ipAddress}/${endpoint.prefixLength} brd 172.17.255.255 dev eth0`,
          'link set eth0 up',
          `route add default via ${endpoint.gateway}`,
        ]);
        if (inner.code !== 0) throw new StrataError('internal', `configuring eth0 in ${ns}: ${inner.stderr.trim()}`);
      } catch (e) {
        await network.detach(id);
        throw e;
      }
    },

    async publish(id, ipAddress, bindings: PortBinding[]) {
      await ensureBridge();
      await unpublish(id);
      const entries = new Map<string, { hostIp: string; hostPort: number; ip: string; port: number; protocol: 'tcp' | 'udp' }>();
      const out: PortBinding[] = [];
      try {
        for (const [i, b] of bindings.entries()) {
          const protocol = b.protocol;
          if (protocol !== 'tcp' && protocol !== 'udp') throw new Error(`publishing ${protocol} ports is not supported yet (${b.containerPort}/${protocol})`);
          const hostIp = b.hostIp || network.defaultHostIp;
          const key = `${id}:${i}`;
          const hostPort = await forwarder.serve(key, hostIp, b.hostPort, ipAddress, b.containerPort, protocol);
          entries.set(key, { hostIp, hostPort, ip: ipAddress, port: b.containerPort, protocol });
          published.set(id, entries);
          out.push({ ...b, hostIp, hostPort });
        }
      } catch (e) {
        await unpublish(id);
        throw e;
      }
      return out;
    },

    async detach(id) {
      await unpublish(id);
      const ns = containerNamespace(id);
      if (!(await access(`${NETNS_DIR}/${ns}`).then(() => true, () => false))) return;
      // Deleting the veth first removes it synchronously; `netns del` alone leaves it behind for a while (§5.2).
      await runCommand('ip', ['-n', namespace, 'link', 'del', veth(id)]);
      await runCommand('ip', ['netns', 'del', ns]);
    },

    async attached() {
      const prefix = `${namespace}-`;
      const names = await readdir(NETNS_DIR).catch(() => [] as string[]);
      return names.filter((n) => n.startsWith(prefix) && /^[0-9a-f]{64}$/.test(n.slice(prefix.length))).map((n) => n.slice(prefix.length));
    },

    async close() {
      published.clear();
      forwarder.close();
      // An engine that stops with no container on the bridge leaves no namespace behind; one with
      // running containers keeps it for them (and for the engine that re-adopts them).
      if ((await network.attached()).length === 0 && (await isLiveNamespace(namespacePath))) {
        bridgeReady = undefined;
        await runCommand('ip', ['netns', 'del', namespace]);
      }
    },
  };
  return network;
}

/**
 * Remove a data root's bridge namespace and every container namespace it left (tests and
 * uninstall): forwarders in it are killed by PID first, so the namespace really goes.
 */
export async function removeBridgeNetwork(dataRoot: string): Promise<void> {
  const namespace = bridgeNamespaceName(dataRoot);
  const names = await readdir(NETNS_DIR).catch(() => [] as string[]);
  for (const n of names) {
    if (!n.startsWith(`${namespace}-`)) continue;
    const id = n.slice(namespace.length + 1);
    await runCommand('ip', ['-n', namespace, 'link', 'del', `veth${id.slice(0, 7)}`]);
    await runCommand('ip', ['netns', 'del', n]);
  }
  if (!names.includes(namespace)) return;
  const r = await runCommand('ip', ['netns', 'pids', namespace]);
  for (const pid of r.stdout.split(/\s+/).filter((p) => /^[0-9]+$/.test(p)).map(Number)) {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (!cmdline.includes(FORWARDER_MARKER)) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  await runCommand('ip', ['netns', 'del', namespace]);
}
