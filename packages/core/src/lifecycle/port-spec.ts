import { invalid } from '../errors/index.js';

/** A port a container publishes: `hostPort` 0 means any free port. */
export interface PortBinding {
  containerPort: number;
  protocol: 'tcp' | 'udp' | 'sctp';
  /** `''` = the daemon's default binding address. */
  hostIp: string;
  hostPort: number;
}

/** `80/tcp` -> [80, 'tcp']; Docker's default protocol is tcp. */
export function parsePortKey(key: string): { port: number; protocol: PortBinding['protocol'] } {
  const [portText = '', proto = 'tcp'] = key.split('/');
  const port = Number(portText);
  if (!/^[0-9]+$/.test(portText) || port < 1 || port > 65535) throw invalid(`invalid port specification: "${portText}"`);
  if (proto !== 'tcp' && proto !== 'udp' && proto !== 'sctp') throw invalid(`invalid proto: ${proto}`);
  return { port, protocol: proto };
}

function hostPortOf(text: unknown): number {
  if (text === undefined || text === null || text === '') return 0;
  const s = String(text);
  // A range (`8000-8010`) takes its first port; the CLI already expands `-p a-b:c-d` into single ports.
  const first = s.split('-')[0] ?? '';
  const n = Number(first);
  if (!/^[0-9]+$/.test(first) || n > 65535) throw invalid(`invalid port specification: "${s}"`);
  return n;
}

/**
 * The ports a container publishes: `PortBindings` (`-p`), plus, with `PublishAllPorts` (`-P`),
 * every exposed port not bound yet on a random host port. Sorted by container port.
 */
export function portBindings(hostConfig: Record<string, unknown>, exposedPorts: Record<string, unknown> | null | undefined): PortBinding[] {
  const out: PortBinding[] = [];
  const bound = new Set<string>();
  const given = (hostConfig.PortBindings ?? {}) as Record<string, Array<{ HostIp?: string; HostPort?: string }> | null>;
  for (const [key, list] of Object.entries(given)) {
    const { port, protocol } = parsePortKey(key);
    bound.add(`${port}/${protocol}`);
    for (const b of list ?? [{}]) out.push({ containerPort: port, protocol, hostIp: b?.HostIp ?? '', hostPort: hostPortOf(b?.HostPort) });
  }
  if (hostConfig.PublishAllPorts === true) {
    for (const key of Object.keys(exposedPorts ?? {})) {
      const { port, protocol } = parsePortKey(key);
      if (!bound.has(`${port}/${protocol}`)) out.push({ containerPort: port, protocol, hostIp: '', hostPort: 0 });
    }
  }
  return out.sort((a, b) => a.containerPort - b.containerPort || a.protocol.localeCompare(b.protocol));
}

/** `NetworkSettings.Ports`: each exposed port, `null` when not published, else its host bindings. */
export function inspectPorts(exposedPorts: Record<string, unknown> | null | undefined, published: PortBinding[]): Record<string, Array<{ HostIp: string; HostPort: string }> | null> {
  const out: Record<string, Array<{ HostIp: string; HostPort: string }> | null> = {};
  for (const key of Object.keys(exposedPorts ?? {})) out[key] = null;
  for (const p of published) {
    const key = `${p.containerPort}/${p.protocol}`;
    const list = out[key] ?? [];
    list.push({ HostIp: p.hostIp, HostPort: String(p.hostPort) });
    out[key] = list;
  }
  return out;
}

/** `GET /containers/json` `Ports`: exposed-only ports without `IP`/`PublicPort`. */
export function summaryPorts(exposedPorts: Record<string, unknown> | null | undefined, published: PortBinding[]): Array<{ IP?: string; PrivatePort: number; PublicPort?: number; Type: string }> {
  const out: Array<{ IP?: string; PrivatePort: number; PublicPort?: number; Type: string }> = [];
  const seen = new Set<string>();
  for (const p of published) {
    seen.add(`${p.containerPort}/${p.protocol}`);
    out.push({ IP: p.hostIp, PrivatePort: p.containerPort, PublicPort: p.hostPort, Type: p.protocol });
  }
  for (const key of Object.keys(exposedPorts ?? {})) {
    if (seen.has(key)) continue;
    const { port, protocol } = parsePortKey(key);
    out.push({ PrivatePort: port, Type: protocol });
  }
  return out;
}
