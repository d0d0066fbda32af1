/** Where a Docker Engine API listens: a unix socket or a loopback TCP port. */
export type DockerHost = { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number };

/** Parses `-H` / DOCKER_HOST as the docker CLI writes it: `unix:///run/stratad.sock`, `tcp://127.0.0.1:2375`. */
export function parseDockerHost(value: string): DockerHost {
  if (value.startsWith('unix://')) {
    const path = value.slice('unix://'.length);
    if (!path.startsWith('/')) throw new Error(`invalid unix socket address ${JSON.stringify(value)}: the path must be absolute`);
    return { kind: 'unix', path };
  }
  if (value.startsWith('/')) return { kind: 'unix', path: value };
  if (value.startsWith('tcp://') || value.startsWith('http://')) {
    const url = new URL(value.replace(/^tcp:/, 'http:'));
    const port = url.port === '' ? 2375 : Number(url.port);
    return { kind: 'tcp', host: url.hostname.replace(/^\[|\]$/g, ''), port };
  }
  throw new Error(`unsupported DOCKER_HOST ${JSON.stringify(value)}: use unix:///path or tcp://host:port`);
}

/** The address as DOCKER_HOST writes it. */
export function formatDockerHost(host: DockerHost): string {
  return host.kind === 'unix' ? `unix://${host.path}` : `tcp://${host.host.includes(':') ? `[${host.host}]` : host.host}:${host.port}`;
}
