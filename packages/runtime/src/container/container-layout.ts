import { join } from 'node:path';

/** Where one container's pieces live under the data root. */
export interface ContainerLayout {
  dir: string;
  upper: string;
  work: string;
  merged: string;
  /** The OCI bundle (`config.json`, conmon's files, the log). */
  bundle: string;
  config: string;
  /** The runtime spec the engine prepared the container with (JSON). */
  spec: string;
  hostname: string;
  hosts: string;
  resolvConf: string;
  log: string;
  pidFile: string;
  conmonPidFile: string;
  persist: string;
  ociLog: string;
  /** When the current process was started (RFC 3339), written by start. */
  startedAt: string;
  exitFile: string;
}

/** The paths of container `id` under `dataRoot` (`<dataRoot>/containers/<id>/...`). */
export function containerLayout(dataRoot: string, id: string): ContainerLayout {
  const dir = join(dataRoot, 'containers', id);
  const bundle = join(dir, 'userdata');
  return {
    dir,
    upper: join(dir, 'upper'),
    work: join(dir, 'work'),
    merged: join(dir, 'merged'),
    bundle,
    config: join(bundle, 'config.json'),
    spec: join(dir, 'runtime-spec.json'),
    hostname: join(bundle, 'hostname'),
    hosts: join(bundle, 'hosts'),
    resolvConf: join(bundle, 'resolv.conf'),
    log: join(bundle, 'ctr.log'),
    pidFile: join(bundle, 'pidfile'),
    conmonPidFile: join(bundle, 'conmon.pid'),
    persist: join(bundle, 'persist'),
    ociLog: join(bundle, 'oci-log'),
    startedAt: join(bundle, 'started-at'),
    exitFile: join(dataRoot, 'exits', id),
  };
}
