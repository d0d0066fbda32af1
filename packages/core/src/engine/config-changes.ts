import { invalid } from '../errors/index.js';

const ALLOWED = ['CMD', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'LABEL', 'ONBUILD', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR'];

/** JSON-array form when the argument parses as a JSON array of strings, otherwise undefined. */
function jsonArray(arg: string): string[] | undefined {
  if (!arg.trimStart().startsWith('[')) return undefined;
  try {
    const v = JSON.parse(arg);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
  } catch {
    // Not JSON: shell form.
  }
  return undefined;
}

/** `KEY=VALUE KEY2="v 2"` pairs, or the legacy `KEY VALUE` form. */
function keyValues(arg: string, instruction: string): Array<[string, string]> {
  const words = arg.match(/(?:[^\s"']+|"(?:\\.|[^"\\])*"|'[^']*')+/g) ?? [];
  if (words.length === 0) throw invalid(`${instruction} requires at least one argument`);
  if (!words[0]!.includes('=')) {
    const [k, ...rest] = arg.trim().split(/\s+/);
    if (rest.length === 0) throw invalid(`${instruction} names can not be blank`);
    return [[k, arg.trim().slice(k.length).trim()]];
  }
  return words.map((w) => {
    const i = w.indexOf('=');
    if (i <= 0) throw invalid(`${instruction} names can not be blank`);
    return [w.slice(0, i), w.slice(i + 1).replace(/^"(.*)"$/s, '$1').replace(/^'(.*)'$/s, '$1').replace(/\\(.)/g, '$1')];
  });
}

/**
 * The container-config fields that `docker import --change` / `docker commit --change` set,
 * from Dockerfile instructions (the subset Docker accepts there).
 */
export function applyConfigChanges(changes: string[], base: Record<string, unknown> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const change of changes) {
    const line = change.trim();
    if (!line) continue;
    const m = /^(\S+)\s*(.*)$/s.exec(line)!;
    const instruction = m[1].toUpperCase();
    const arg = m[2];
    if (!ALLOWED.includes(instruction)) throw invalid(`${m[1].toLowerCase()} is not a valid change command`);
    switch (instruction) {
      case 'CMD':
      case 'ENTRYPOINT': {
        const v = jsonArray(arg) ?? ['/bin/sh', '-c', arg];
        out[instruction === 'CMD' ? 'Cmd' : 'Entrypoint'] = v;
        break;
      }
      case 'ENV': {
        const env = [...((out.Env as string[] | null) ?? [])];
        for (const [k, v] of keyValues(arg, 'ENV')) {
          const i = env.findIndex((e) => e.split('=')[0] === k);
          if (i >= 0) env[i] = `${k}=${v}`;
          else env.push(`${k}=${v}`);
        }
        out.Env = env;
        break;
      }
      case 'LABEL': {
        const labels = { ...((out.Labels as Record<string, string> | null) ?? {}) };
        for (const [k, v] of keyValues(arg, 'LABEL')) labels[k] = v;
        out.Labels = labels;
        break;
      }
      case 'EXPOSE': {
        const ports = { ...((out.ExposedPorts as Record<string, object> | undefined) ?? {}) };
        for (const p of arg.trim().split(/\s+/)) {
          if (!/^\d+(-\d+)?(\/(tcp|udp|sctp))?$/i.test(p)) throw invalid(`invalid containerPort: ${p}`);
          ports[p.includes('/') ? p.toLowerCase() : `${p}/tcp`] = {};
        }
        out.ExposedPorts = ports;
        break;
      }
      case 'VOLUME': {
        const vols = { ...((out.Volumes as Record<string, object> | null) ?? {}) };
        for (const v of jsonArray(arg) ?? arg.trim().split(/\s+/)) {
          if (!v) throw invalid('VOLUME specified can not be an empty string');
          vols[v] = {};
        }
        out.Volumes = vols;
        break;
      }
      case 'ONBUILD':
        out.OnBuild = [...((out.OnBuild as string[] | null) ?? []), arg.trim()];
        break;
      case 'USER':
        out.User = arg.trim();
        break;
      case 'WORKDIR':
        out.WorkingDir = arg.trim();
        break;
      case 'STOPSIGNAL':
        out.StopSignal = arg.trim();
        break;
    }
  }
  return out;
}
