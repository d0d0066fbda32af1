import { invalid } from '../errors/index.js';
import { checkVolumeName } from './volume-name.js';

/** One mount a container asked for, before volumes exist: from `-v`, `--mount`, `--tmpfs` or the image's `VOLUME`. */
export interface MountRequest {
  type: 'volume' | 'bind' | 'tmpfs';
  /** volume: its name (`''` = anonymous); bind: absolute host path; tmpfs: `''`. */
  source: string;
  destination: string;
  readOnly: boolean;
  /** Docker's `Mode` as inspect shows it (`z` for `-v name:/path`, `ro`, `''`). */
  mode: string;
  /** bind: `rprivate` unless asked; others `''`. */
  propagation: string;
  /** Fill a new, empty volume from the image's content at `destination` (all but `nocopy`). */
  copyImageData: boolean;
  /** `-v /host:/path` creates a missing host directory; `--mount type=bind` refuses it. */
  createHostPath: boolean;
  /** tmpfs mount options (`size=65536k`, `mode=1777`). */
  tmpfsOptions?: string[];
  /** Listed in inspect `Mounts` (Docker leaves `--tmpfs` out). */
  listed: boolean;
}

const PROPAGATIONS = new Set(['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave']);

function checkDestination(spec: string, kind: string, destination: string): void {
  if (!destination.startsWith('/')) {
    throw invalid(`invalid volume specification: '${spec}': invalid mount config for type "${kind}": invalid mount path: '${destination}' mount path must be absolute`);
  }
  if (destination === '/') throw invalid(`invalid volume specification: '${spec}': invalid mount config for type "${kind}": invalid specification: destination can't be '/'`);
}

/** `/a//b/` -> `/a/b` (Docker compares destinations cleaned). */
export function cleanMountPath(path: string): string {
  const parts: string[] = [];
  for (const p of path.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') parts.pop();
    else parts.push(p);
  }
  return `/${parts.join('/')}`;
}

/** One `-v` / `HostConfig.Binds` entry: `name:/path[:opts]`, `/host:/path[:opts]` or `/path`. */
export function parseBind(spec: string): MountRequest {
  const parts = spec.split(':');
  if (parts.length === 1) {
    checkDestination(spec, 'volume', spec);
    return anonymous(spec);
  }
  if (parts.length > 3 || parts.some((p) => p === '')) throw invalid(`invalid volume specification: '${spec}'`);
  const [source, destination, opts = ''] = parts as [string, string, string?];
  const options = opts === '' ? [] : opts.split(',');
  let readOnly = false;
  let propagation = '';
  let nocopy = false;
  for (const o of options) {
    if (o === 'ro') readOnly = true;
    else if (o === 'rw') readOnly = false;
    else if (o === 'z' || o === 'Z') continue;
    else if (o === 'nocopy') nocopy = true;
    else if (PROPAGATIONS.has(o)) propagation = o;
    else throw invalid(`invalid mode: ${opts}`);
  }
  const bind = source.startsWith('/');
  checkDestination(spec, bind ? 'bind' : 'volume', destination);
  if (!bind) checkVolumeName(source);
  return {
    type: bind ? 'bind' : 'volume',
    source: bind ? cleanMountPath(source) : source,
    destination: cleanMountPath(destination),
    readOnly,
    mode: opts === '' && !bind ? 'z' : opts,
    propagation: bind ? propagation || 'rprivate' : '',
    copyImageData: !bind && !nocopy,
    createHostPath: bind,
    listed: true,
  };
}

function anonymous(destination: string): MountRequest {
  return { type: 'volume', source: '', destination: cleanMountPath(destination), readOnly: false, mode: '', propagation: '', copyImageData: true, createHostPath: false, listed: true };
}

interface MountBody {
  Type?: string;
  Source?: string;
  Target?: string;
  ReadOnly?: boolean;
  BindOptions?: { Propagation?: string } | null;
  VolumeOptions?: { NoCopy?: boolean } | null;
  TmpfsOptions?: { SizeBytes?: number; Mode?: number } | null;
}

/** One `--mount` / `HostConfig.Mounts` entry, with dockerd's validation messages. */
export function parseMount(m: MountBody): MountRequest {
  const type = m.Type ?? '';
  const target = m.Target ?? '';
  const fail = (why: string) => invalid(`invalid mount config for type "${type}": ${why}`);
  if (type !== 'bind' && type !== 'volume' && type !== 'tmpfs') throw invalid(`mount type unknown`);
  if (target === '') throw fail('field Target must not be empty');
  if (!target.startsWith('/')) throw fail(`invalid mount path: '${target}' mount path must be absolute`);
  const destination = cleanMountPath(target);
  const readOnly = m.ReadOnly === true;
  if (type === 'bind') {
    const source = m.Source ?? '';
    if (source === '') throw fail('field Source must not be empty');
    if (!source.startsWith('/')) throw fail(`invalid mount path: '${source}' mount path must be absolute`);
    return { type, source: cleanMountPath(source), destination, readOnly, mode: '', propagation: m.BindOptions?.Propagation || 'rprivate', copyImageData: false, createHostPath: false, listed: true };
  }
  if (type === 'volume') {
    const source = m.Source ?? '';
    if (source !== '') checkVolumeName(source);
    return { type, source, destination, readOnly, mode: '', propagation: '', copyImageData: m.VolumeOptions?.NoCopy !== true, createHostPath: false, listed: true };
  }
  if (m.Source) throw fail('field Source must not be specified');
  const tmpfsOptions: string[] = [];
  if (m.TmpfsOptions?.SizeBytes) tmpfsOptions.push(`size=${Math.floor(m.TmpfsOptions.SizeBytes / 1024)}k`);
  if (m.TmpfsOptions?.Mode) tmpfsOptions.push(`mode=${m.TmpfsOptions.Mode.toString(8)}`);
  return { type, source: '', destination, readOnly, mode: '', propagation: '', copyImageData: false, createHostPath: false, tmpfsOptions, listed: true };
}

/**
 * Every mount of a new container, as dockerd resolves them: `Binds`, then `Mounts`, then
 * `Tmpfs`, then an anonymous volume for each image or config `Volumes` path nothing else covers.
 * A destination used twice is `Duplicate mount point`.
 */
export function mountRequests(hostConfig: Record<string, unknown>, volumes: Array<Record<string, unknown> | null | undefined>): MountRequest[] {
  const out: MountRequest[] = [];
  const seen = new Set<string>();
  const add = (m: MountRequest) => {
    if (seen.has(m.destination)) throw invalid(`Duplicate mount point: ${m.destination}`);
    seen.add(m.destination);
    out.push(m);
  };
  const binds = hostConfig.Binds;
  if (Array.isArray(binds)) for (const b of binds) if (typeof b === 'string') add(parseBind(b));
  const mounts = hostConfig.Mounts;
  if (Array.isArray(mounts)) for (const m of mounts) add(parseMount((m ?? {}) as MountBody));
  const tmpfs = hostConfig.Tmpfs;
  if (tmpfs && typeof tmpfs === 'object') {
    for (const [path, opts] of Object.entries(tmpfs as Record<string, string>)) {
      if (!path.startsWith('/')) throw invalid(`invalid mount path: '${path}' mount path must be absolute`);
      const options = typeof opts === 'string' && opts !== '' ? opts.split(',') : [];
      add({ type: 'tmpfs', source: '', destination: cleanMountPath(path), readOnly: options.includes('ro'), mode: '', propagation: '', copyImageData: false, createHostPath: false, tmpfsOptions: options.filter((o) => o !== 'ro' && o !== 'rw'), listed: false });
    }
  }
  for (const set of volumes) {
    for (const path of Object.keys(set ?? {}).sort()) {
      if (!path.startsWith('/')) throw invalid(`invalid volume specification: '${path}': invalid mount config for type "volume": invalid mount path: '${path}' mount path must be absolute`);
      const destination = cleanMountPath(path);
      if (!seen.has(destination)) add(anonymous(destination));
    }
  }
  return out;
}
