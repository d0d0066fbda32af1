import { copyFile, writeFile } from 'node:fs/promises';
import type { ContainerRuntimeSpec } from '@strata/core';
import { hostsFile, resolvConfFile } from './etc-files.js';

/**
 * Write a container's /etc/hosts and /etc/resolv.conf for its network mode: `host` gets copies of
 * the host's files (as Docker does), the bridge gets its own address last in hosts once it has one.
 */
export async function writeNetworkFiles(paths: { hosts: string; resolvConf: string }, spec: ContainerRuntimeSpec, ipAddress?: string): Promise<void> {
  if (spec.network?.mode === 'host') {
    await copyFile('/etc/hosts', paths.hosts).catch(() => writeFile(paths.hosts, hostsFile()));
    await copyFile('/etc/resolv.conf', paths.resolvConf).catch(() => writeFile(paths.resolvConf, resolvConfFile()));
    return;
  }
  await writeFile(paths.hosts, hostsFile(ipAddress ? { ip: ipAddress, hostname: spec.hostname } : undefined));
  await writeFile(paths.resolvConf, resolvConfFile());
}

/** The OCI `linux.namespaces` network entry: none for host, a path for the bridge, a new one otherwise. */
export function networkNamespace(spec: ContainerRuntimeSpec): Array<{ type: 'network'; path?: string }> {
  const net = spec.network;
  if (net?.mode === 'host') return [];
  if (net?.mode === 'bridge' && net.sandboxKey) return [{ type: 'network', path: net.sandboxKey }];
  return [{ type: 'network' }];
}
