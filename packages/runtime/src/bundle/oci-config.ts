import type { ContainerRuntimeSpec } from '@strata/core';
import type { ResolvedUser } from '../container/container-user.js';
import type { HostLimits } from './host-limits.js';
import { ociMounts } from '../mounts/container-mounts.js';
import { networkNamespace } from './network-files.js';
import { containerSeccomp } from './seccomp/container-seccomp.js';

/** Docker's default capability set (moby oci.DefaultCapabilities). */
export const DOCKER_DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

/** Paths Docker hides behind /dev/null or an empty tmpfs (`HostConfig.MaskedPaths` of the fixtures). */
export const DOCKER_MASKED_PATHS: readonly string[] = [
  '/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware',
];

/** Paths Docker remounts read-only (`HostConfig.ReadonlyPaths` of the fixtures). */
export const DOCKER_READONLY_PATHS: readonly string[] = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** Docker's RLIMIT_NOFILE for containers (dockerd/containerd run with LimitNOFILE=1048576). */
const DOCKER_NOFILE = 1048576;

/** Where the init binary is mounted for `--init`, as Docker does. */
export const INIT_PATH_IN_CONTAINER = '/sbin/docker-init';

const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Inputs of a container's OCI runtime config. */
export interface OciConfigInput {
  spec: ContainerRuntimeSpec;
  /** Absolute path of the overlay mount. */
  rootfs: string;
  user: ResolvedUser;
  limits: HostLimits;
  /** Host files bind-mounted over /etc. */
  etc: { hostname: string; hosts: string; resolvConf: string };
  /** cgroupfs path, `/<parent>/<id>`. */
  cgroupsPath: string;
  /** Host path of the init binary, when `spec.init`. */
  initBinary?: string;
}

const dev = (type: 'c' | 'b', major: number | null, minor: number | null, access: string) => ({
  allow: true,
  type,
  ...(major === null ? {} : { major }),
  ...(minor === null ? {} : { minor }),
  access,
});

/** Docker's environment additions: PATH, HOSTNAME and, for a TTY, TERM, unless the container sets them. */
function containerEnv(spec: ContainerRuntimeSpec): string[] {
  const env = [...spec.process.env];
  const has = (key: string) => env.some((e) => e.startsWith(`${key}=`));
  if (!has('PATH')) env.unshift(DEFAULT_PATH);
  if (!has('HOSTNAME')) env.push(`HOSTNAME=${spec.hostname}`);
  if (spec.process.tty && !has('TERM')) env.push('TERM=xterm');
  return env;
}

/**
 * The OCI runtime config Docker 20.10 would write for a default `docker run` with
 * `--network none`: namespaces mount/network/uts/pid/ipc, Docker's mounts, masked and
 * read-only paths and device rules, its default capabilities and RLIMIT_NOFILE, each clamped to
 * what the engine holds itself (runc fails when asked for more), and Docker's seccomp filter for them.
 */
export function ociConfig(input: OciConfigInput): Record<string, unknown> {
  const { spec, limits } = input;
  const capabilities = DOCKER_DEFAULT_CAPABILITIES.filter((c) => limits.boundingCapabilities.has(c));
  const seccomp = containerSeccomp(spec.seccomp, capabilities);
  const nofileHard = limits.hardRlimits.get('RLIMIT_NOFILE');
  const nofile = nofileHard === undefined ? DOCKER_NOFILE : Math.min(DOCKER_NOFILE, nofileHard);
  const args = spec.init && input.initBinary ? [INIT_PATH_IN_CONTAINER, '--', ...spec.process.args] : spec.process.args;
  const bind = (destination: string, source: string, extra: string[] = []) => ({
    destination,
    type: 'bind',
    source,
    options: ['rbind', 'rprivate', ...extra],
  });
  const mounts: unknown[] = [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['ro', 'nosuid', 'noexec', 'nodev'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
    bind('/etc/resolv.conf', input.etc.resolvConf),
    bind('/etc/hostname', input.etc.hostname),
    bind('/etc/hosts', input.etc.hosts),
  ];
  mounts.push(...ociMounts(spec.mounts ?? []));
  if (spec.init && input.initBinary) mounts.push({ destination: INIT_PATH_IN_CONTAINER, type: 'bind', source: input.initBinary, options: ['bind', 'ro'] });
  return {
    ociVersion: '1.0.2-dev',
    process: {
      terminal: spec.process.tty,
      user: { uid: input.user.uid, gid: input.user.gid, ...(input.user.additionalGids.length ? { additionalGids: input.user.additionalGids } : {}) },
      args,
      env: containerEnv(spec),
      cwd: spec.process.cwd || '/',
      capabilities: { bounding: capabilities, effective: capabilities, permitted: capabilities },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: nofile, soft: nofile }],
      noNewPrivileges: false,
    },
    root: { path: input.rootfs, readonly: false },
    hostname: spec.hostname,
    mounts,
    linux: {
      // runc refuses net.* sysctls in the host's namespace; Docker sets them only in the container's own.
      sysctl: spec.network?.mode === 'host' ? {} : { 'net.ipv4.ip_unprivileged_port_start': '0', 'net.ipv4.ping_group_range': '0 2147483647' },
      resources: {
        devices: [
          { allow: false, access: 'rwm' },
          dev('c', null, null, 'm'),
          dev('b', null, null, 'm'),
          dev('c', 1, 3, 'rwm'),
          dev('c', 1, 5, 'rwm'),
          dev('c', 1, 7, 'rwm'),
          dev('c', 1, 8, 'rwm'),
          dev('c', 1, 9, 'rwm'),
          dev('c', 5, 0, 'rwm'),
          dev('c', 5, 1, 'rwm'),
          dev('c', 5, 2, 'rwm'),
          dev('c', 136, null, 'rwm'),
          dev('c', 10, 200, 'rwm'),
        ],
      },
      cgroupsPath: input.cgroupsPath,
      namespaces: [{ type: 'mount' }, ...networkNamespace(spec), { type: 'uts' }, { type: 'pid' }, { type: 'ipc' }],
      maskedPaths: DOCKER_MASKED_PATHS,
      readonlyPaths: DOCKER_READONLY_PATHS,
      ...(seccomp ? { seccomp } : {}),
    },
  };
}
