import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';

/** How Strata reaches registries, from the daemon's flags. */
export interface TransportOptions {
  /** `--insecure-registry` values: `host[:port]` or an IPv4 CIDR; these are spoken to over plain HTTP. */
  insecureRegistries?: string[];
  /** `--registry-mirror` URLs tried, in order, before Docker Hub for `docker.io` images. */
  registryMirrors?: string[];
  /** Folder of per-registry TLS material: `<certsDir>/<host[:port]>/ca.crt` (and client.cert/client.key). */
  certsDir?: string;
}

/** Where to send requests for one registry, and what TLS to trust there. */
export interface Endpoint {
  /** `http://127.0.0.1:5000` or `https://registry-1.docker.io` (no trailing slash). */
  base: string;
  /** The registry host as references name it (`127.0.0.1:5000`, `docker.io`). */
  host: string;
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer };
  /** A mirror: failures fall through to the next endpoint. */
  mirror: boolean;
  /**
   * HTTPS to an insecure registry, as dockerd tries it first: certificates are not verified, and
   * a registry that does not answer over TLS falls back to the plain HTTP endpoint after it.
   */
  skipVerify?: boolean;
}

const DOCKER_HUB_HOSTS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

function ipv4ToNumber(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

function inCidr(ip: string, cidr: string): boolean {
  const [net, bits] = cidr.split('/');
  if (isIP(ip) !== 4 || isIP(net) !== 4) return false;
  const n = Number(bits);
  if (!Number.isInteger(n) || n < 0 || n > 32) return false;
  const mask = n === 0 ? 0 : (~0 << (32 - n)) >>> 0;
  return ((ipv4ToNumber(ip) & mask) >>> 0) === ((ipv4ToNumber(net) & mask) >>> 0);
}

/** The host part of `host[:port]` (IPv6 literals keep no brackets). */
export function hostnameOf(hostPort: string): string {
  if (hostPort.startsWith('[')) return hostPort.slice(1, hostPort.indexOf(']'));
  const colon = hostPort.lastIndexOf(':');
  return colon > 0 ? hostPort.slice(0, colon) : hostPort;
}

/**
 * dockerd 20.10's rule: registries on 127.0.0.0/8 (`localhost` resolves there) and listed ones
 * are insecure. IPv6 loopback (`[::1]`) is not in that range, so it is spoken to over verified TLS.
 */
export function isInsecureRegistry(hostPort: string, insecure: readonly string[] = []): boolean {
  const name = hostnameOf(hostPort);
  if (name === 'localhost' || inCidr(name, '127.0.0.0/8')) return true;
  return insecure.some((entry) => (entry.includes('/') ? inCidr(name, entry) : entry === hostPort || entry === name));
}

function readIfPresent(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

function tlsFor(hostPort: string, certsDir: string | undefined): Endpoint['tls'] {
  if (!certsDir) return undefined;
  const dir = join(certsDir, hostPort.replace(/[/\\]/g, '_'));
  const tls = { ca: readIfPresent(join(dir, 'ca.crt')), cert: readIfPresent(join(dir, 'client.cert')), key: readIfPresent(join(dir, 'client.key')) };
  return tls.ca || tls.cert ? tls : undefined;
}

/** The endpoints to try for a registry host, in order (mirrors first for Docker Hub). */
export function endpointsFor(host: string, options: TransportOptions = {}): Endpoint[] {
  if (DOCKER_HUB_HOSTS.has(host)) {
    const mirrors = (options.registryMirrors ?? []).map((m): Endpoint => {
      const url = new URL(m);
      const hostPort = url.host;
      return { base: `${url.protocol}//${hostPort}`, host: hostPort, tls: url.protocol === 'https:' ? tlsFor(hostPort, options.certsDir) : undefined, mirror: true };
    });
    return [...mirrors, { base: 'https://registry-1.docker.io', host: 'docker.io', tls: tlsFor('docker.io', options.certsDir), mirror: false }];
  }
  // lookupV2Endpoints: an insecure registry is tried over HTTPS without verification, then over HTTP.
  if (isInsecureRegistry(host, options.insecureRegistries)) {
    return [
      { base: `https://${host}`, host, tls: tlsFor(host, options.certsDir), mirror: false, skipVerify: true },
      { base: `http://${host}`, host, mirror: false },
    ];
  }
  return [{ base: `https://${host}`, host, tls: tlsFor(host, options.certsDir), mirror: false }];
}

/**
 * Where per-registry CAs live: `certs.d` under the engine's config directory, which is
 * `$STRATA_CONFIG_DIR` when set, else `/etc/strata` for root and `~/.config/strata` otherwise
 * (as `/etc/docker/certs.d` for dockerd and `$XDG_CONFIG_HOME/docker/certs.d` for rootless dockerd).
 */
export function defaultCertsDir(env: NodeJS.ProcessEnv = process.env, uid: number | undefined = process.getuid?.()): string {
  if (env.STRATA_CONFIG_DIR && env.STRATA_CONFIG_DIR.startsWith('/')) return join(env.STRATA_CONFIG_DIR, 'certs.d');
  if (uid === 0) return '/etc/strata/certs.d';
  const config = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : join(env.HOME || '/', '.config');
  return join(config, 'strata', 'certs.d');
}
