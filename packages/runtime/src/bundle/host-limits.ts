import { readFile } from 'node:fs/promises';

/** Linux capability names by bit number (capability.h). */
export const CAPABILITY_BITS: readonly string[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN',
  'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE', 'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];

/** What the engine itself may hand on to a container: asking for more makes runc fail (runtime-recipes §3.6). */
export interface HostLimits {
  /** Capabilities in the engine's bounding set (CapBnd of /proc/self/status). */
  boundingCapabilities: ReadonlySet<string>;
  /** Hard limits of the engine process by OCI rlimit type (`RLIMIT_NOFILE` -> 20000); absent = unlimited. */
  hardRlimits: ReadonlyMap<string, number>;
}

const LIMIT_NAMES: Record<string, string> = {
  'Max open files': 'RLIMIT_NOFILE',
  'Max processes': 'RLIMIT_NPROC',
  'Max core file size': 'RLIMIT_CORE',
  'Max locked memory': 'RLIMIT_MEMLOCK',
};

/** Capability names of a CapBnd hex mask. */
export function capabilitiesOfMask(hex: string): Set<string> {
  const mask = BigInt(`0x${hex}`);
  return new Set(CAPABILITY_BITS.filter((_, bit) => (mask >> BigInt(bit)) & 1n));
}

/** Read the engine's own bounding set and rlimits from /proc/self. */
export async function readHostLimits(): Promise<HostLimits> {
  const status = await readFile('/proc/self/status', 'utf8');
  const capBnd = /^CapBnd:\s*([0-9a-f]+)$/m.exec(status)?.[1] ?? '0';
  const limits = await readFile('/proc/self/limits', 'utf8');
  const hardRlimits = new Map<string, number>();
  for (const line of limits.split('\n')) {
    for (const [label, type] of Object.entries(LIMIT_NAMES)) {
      if (!line.startsWith(label)) continue;
      const [, hard] = line.slice(label.length).trim().split(/\s+/);
      if (hard !== undefined && /^[0-9]+$/.test(hard)) hardRlimits.set(type, Number(hard));
    }
  }
  return { boundingCapabilities: capabilitiesOfMask(capBnd), hardRlimits };
}
