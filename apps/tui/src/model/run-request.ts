import type { ContainerCreateBody } from '@strata/core';
import { commandWords } from './command-words.js';

/** The run form's fields as typed: words separated by spaces, quoted as in a shell. */
export interface RunFormValues {
  name?: string;
  ports?: string;
  volumes?: string;
  env?: string;
  command?: string;
}

/** What `docker run -d` would send for the form: the create body and the name. */
export interface RunRequest {
  body: ContainerCreateBody;
  name?: string;
}

/** `-p` as the docker CLI reads it: `[ip:][hostPort:]containerPort[/proto]`. */
function portBinding(spec: string): { key: string; binding: { HostIp: string; HostPort: string } } {
  const [address, proto = 'tcp'] = spec.split('/');
  const parts = address.split(':');
  const container = parts.pop() ?? '';
  const hostPort = parts.pop() ?? '';
  const hostIp = parts.join(':');
  if (!/^\d+$/.test(container) || Number(container) > 65535) throw new Error(`invalid port "${spec}": the container port must be a number (HOST:CONTAINER, e.g. 8080:80)`);
  if (hostPort !== '' && (!/^\d+$/.test(hostPort) || Number(hostPort) > 65535)) throw new Error(`invalid port "${spec}": the host port must be a number`);
  if (proto !== 'tcp' && proto !== 'udp' && proto !== 'sctp') throw new Error(`invalid port "${spec}": protocol must be tcp, udp or sctp`);
  return { key: `${container}/${proto}`, binding: { HostIp: hostIp, HostPort: hostPort } };
}

/**
 * The create body of the run form, as `docker run -d --name N -p .. -v .. -e .. IMAGE CMD` sends
 * it: ports as ExposedPorts and PortBindings, `NAME:/path` and `/host:/path[:ro]` as Binds,
 * a lone `/path` as an anonymous volume. Throws a message for the user on a malformed field.
 */
export function runRequest(image: string, values: RunFormValues): RunRequest {
  const cmd = commandWords(values.command ?? '');
  const env = commandWords(values.env ?? '');
  for (const e of env) if (e.startsWith('=')) throw new Error(`invalid environment variable: ${e}`);
  const exposed: Record<string, Record<string, never>> = {};
  const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  for (const spec of commandWords(values.ports ?? '')) {
    const { key, binding } = portBinding(spec);
    exposed[key] = {};
    (bindings[key] ??= []).push(binding);
  }
  const binds: string[] = [];
  const anonymous: Record<string, Record<string, never>> = {};
  for (const spec of commandWords(values.volumes ?? '')) {
    const parts = spec.split(':');
    const target = parts.length === 1 ? parts[0] : parts[1];
    if (!target.startsWith('/')) throw new Error(`invalid volume "${spec}": the path in the container must be absolute (NAME:/path or /host/path:/path[:ro])`);
    if (parts.length > 3 || (parts.length === 3 && !/^(ro|rw|z|Z)(,(ro|rw|z|Z))*$/.test(parts[2]))) throw new Error(`invalid volume "${spec}": options are ro or rw`);
    if (parts.length === 1) anonymous[target] = {};
    else binds.push(spec);
  }
  const hostConfig: Record<string, unknown> = {};
  if (binds.length > 0) hostConfig.Binds = binds;
  if (Object.keys(bindings).length > 0) hostConfig.PortBindings = bindings;
  const body: ContainerCreateBody = {
    Image: image,
    Tty: false,
    OpenStdin: false,
    ...(cmd.length > 0 ? { Cmd: cmd } : {}),
    ...(env.length > 0 ? { Env: env } : {}),
    ...(Object.keys(exposed).length > 0 ? { ExposedPorts: exposed } : {}),
    ...(Object.keys(anonymous).length > 0 ? { Volumes: anonymous } : {}),
    ...(Object.keys(hostConfig).length > 0 ? { HostConfig: hostConfig } : {}),
  };
  const name = (values.name ?? '').trim();
  return { body, ...(name ? { name } : {}) };
}
