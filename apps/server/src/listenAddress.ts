import { isIP } from 'node:net';

/** Where the daemon listens: a unix socket path or a loopback TCP port. */
export type ListenAddress =
  | { kind: 'unix'; path: string }
  | { kind: 'tcp'; host: string; port: number };

/** Docker's default TCP port when `tcp://HOST` has none. */
const defaultTcpPort = 2375;

const isLoopback = (host: string): boolean =>
  host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));

/**
 * Parses a `-H/--host` value (`unix:///run/stratad.sock`, `tcp://127.0.0.1:2375`). TCP is
 * refused on anything but loopback: the API has no TLS or auth here and controls the engine.
 */
export function parseListenAddress(value: string): ListenAddress {
  if (value.startsWith('unix://')) {
    const path = value.slice('unix://'.length);
    if (!path.startsWith('/')) throw new Error(`invalid host ${value}: a unix socket needs an absolute path (unix:///path/to/stratad.sock)`);
    return { kind: 'unix', path };
  }
  if (value.startsWith('/')) return { kind: 'unix', path: value };
  if (value.startsWith('tcp://')) {
    const rest = value.slice('tcp://'.length).replace(/\/$/, '');
    const m = /^(?:\[([^\]]+)\]|([^:]*))(?::([0-9]+))?$/.exec(rest);
    if (!m) throw new Error(`invalid host ${value}: expected tcp://127.0.0.1:PORT`);
    const host = m[1] ?? m[2] ?? '';
    const port = m[3] === undefined ? defaultTcpPort : Number(m[3]);
    if (port > 65535) throw new Error(`invalid host ${value}: port ${port} is out of range`);
    if (!isLoopback(host)) {
      throw new Error(
        `refusing to listen on ${value}: stratad serves TCP only on loopback (127.0.0.1, ::1, localhost) because the API has no TLS or authentication; use a unix socket or tcp://127.0.0.1:${port}`,
      );
    }
    return { kind: 'tcp', host, port };
  }
  throw new Error(`invalid host ${value}: expected unix:///path/to/stratad.sock or tcp://127.0.0.1:PORT`);
}

/** The address in `-H` / DOCKER_HOST form. */
export function formatListenAddress(a: ListenAddress): string {
  if (a.kind === 'unix') return `unix://${a.path}`;
  return `tcp://${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
}
