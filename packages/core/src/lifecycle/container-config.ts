import { invalid } from '../errors/index.js';

/** `Config` of container inspect: what the process is, after the image config was merged in. */
export interface ContainerConfig {
  Hostname: string;
  Domainname: string;
  User: string;
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  ExposedPorts?: Record<string, object>;
  Tty: boolean;
  OpenStdin: boolean;
  StdinOnce: boolean;
  Env: string[] | null;
  Cmd: string[] | null;
  Healthcheck?: Record<string, unknown>;
  Image: string;
  Volumes: Record<string, object> | null;
  WorkingDir: string;
  Entrypoint: string[] | null;
  OnBuild: string[] | null;
  Labels: Record<string, string>;
  StopSignal?: string;
  StopTimeout?: number;
  /** Set at start when the container wanted the default bridge and there is none (dockerd `-b none`). */
  NetworkDisabled?: boolean;
}

/** The part of an image config that containers inherit (`config` of the image JSON). */
export interface ImageRunConfig {
  User?: string;
  ExposedPorts?: Record<string, unknown> | null;
  Env?: string[] | null;
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Healthcheck?: unknown;
  Volumes?: Record<string, unknown> | null;
  WorkingDir?: string;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  OnBuild?: string[] | null;
}

const strings = (v: unknown, field: string): string[] | null => {
  if (v === undefined || v === null) return null;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw invalid(`${field} must be an array of strings`);
  return v as string[];
};
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const bool = (v: unknown): boolean => v === true;
const objectOrNull = <T>(v: unknown): T | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as T) : null);

/**
 * Combine a create body with its image's config as dockerd does (daemon/commit.go merge plus
 * mergeAndVerifyConfig): User, WorkingDir and StopSignal fall back to the image's; Env keeps the
 * user's entries and adds the image's other keys; Labels likewise; ExposedPorts and Volumes are
 * unions; Cmd comes from the image only when neither Entrypoint nor Cmd is given, Entrypoint when
 * the body has none (`--entrypoint ''`, sent as `[""]`, clears it). Throws `No command specified`.
 */
export function mergeContainerConfig(body: Record<string, unknown>, image: ImageRunConfig | null | undefined, imageName: string): ContainerConfig {
  const img = image ?? {};
  const userEnv = strings(body.Env, 'Env');
  let env: string[] | null;
  if (!userEnv || userEnv.length === 0) env = img.Env ?? null;
  else {
    const keys = new Set(userEnv.map((e) => e.split('=', 1)[0]));
    env = [...userEnv, ...(img.Env ?? []).filter((e) => !keys.has(e.split('=', 1)[0]))];
  }
  const labels: Record<string, string> = { ...(objectOrNull<Record<string, string>>(body.Labels) ?? {}) };
  for (const [k, v] of Object.entries(img.Labels ?? {})) if (!(k in labels)) labels[k] = v;

  let entrypoint = strings(body.Entrypoint, 'Entrypoint');
  let cmd = strings(body.Cmd, 'Cmd');
  if (!entrypoint || entrypoint.length === 0) {
    if (!cmd || cmd.length === 0) cmd = img.Cmd ?? null;
    if (!entrypoint) entrypoint = img.Entrypoint ?? null;
  }
  if (entrypoint && entrypoint.length === 1 && entrypoint[0] === '') entrypoint = null;
  if ((!entrypoint || entrypoint.length === 0) && (!cmd || cmd.length === 0)) throw invalid('No command specified');

  const userPorts = objectOrNull<Record<string, object>>(body.ExposedPorts);
  const ports = { ...(img.ExposedPorts ?? {}), ...(userPorts ?? {}) } as Record<string, object>;
  const userVolumes = objectOrNull<Record<string, object>>(body.Volumes);
  const volumes: Record<string, object> | null =
    userVolumes && Object.keys(userVolumes).length ? ({ ...userVolumes, ...(img.Volumes ?? {}) } as Record<string, object>) : ((img.Volumes as Record<string, object> | null | undefined) ?? null);
  const healthcheck = objectOrNull<Record<string, unknown>>(body.Healthcheck) ?? objectOrNull<Record<string, unknown>>(img.Healthcheck);
  const stopSignal = str(body.StopSignal) || img.StopSignal || '';

  const config: ContainerConfig = {
    Hostname: str(body.Hostname),
    Domainname: str(body.Domainname),
    User: str(body.User) || img.User || '',
    AttachStdin: bool(body.AttachStdin),
    AttachStdout: bool(body.AttachStdout),
    AttachStderr: bool(body.AttachStderr),
    ...(Object.keys(ports).length ? { ExposedPorts: ports } : {}),
    Tty: bool(body.Tty),
    OpenStdin: bool(body.OpenStdin),
    StdinOnce: bool(body.StdinOnce),
    Env: env,
    Cmd: cmd,
    ...(healthcheck ? { Healthcheck: healthcheck } : {}),
    Image: imageName,
    Volumes: volumes && Object.keys(volumes).length ? volumes : null,
    WorkingDir: str(body.WorkingDir) || img.WorkingDir || '',
    Entrypoint: entrypoint && entrypoint.length ? entrypoint : null,
    OnBuild: strings(body.OnBuild, 'OnBuild'),
    Labels: labels,
    ...(stopSignal ? { StopSignal: stopSignal } : {}),
    ...(typeof body.StopTimeout === 'number' ? { StopTimeout: body.StopTimeout } : {}),
  };
  return config;
}

/** Inspect's `Path` and `Args`: the first word of Entrypoint + Cmd and the rest. */
export function processArgs(config: ContainerConfig): { path: string; args: string[] } {
  const all = [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])];
  return { path: all[0] ?? '', args: all.slice(1) };
}

/** The `Command` column of docker ps: Path then Args, an arg with a space wrapped in single quotes (moby's list.go). */
export function commandString(path: string, args: string[]): string {
  if (args.length === 0) return path;
  return `${path} ${args.map((a) => (a.includes(' ') ? `'${a}'` : a)).join(' ')}`;
}
