// A Docker seccomp profile (moby profiles/seccomp/seccomp.go types) and its conversion to the OCI
// `linux.seccomp` section, following moby 20.10's profiles/seccomp/seccomp_linux.go setupSeccomp.

/** A rule's condition: capabilities, libseccomp arch names (`amd64`) and a `major.minor` kernel. */
export interface SeccompFilter {
  caps?: string[];
  arches?: string[];
  minKernel?: string;
}

/** One syscall rule of a Docker profile. */
export interface SeccompRule {
  name?: string;
  names?: string[];
  action: string;
  errnoRet?: number;
  args?: unknown[] | null;
  comment?: string;
  includes?: SeccompFilter;
  excludes?: SeccompFilter;
}

/** A Docker seccomp profile as `--security-opt seccomp=<file>` and default.json hold it. */
export interface SeccompProfile {
  defaultAction?: string;
  architectures?: string[];
  archMap?: Array<{ architecture: string; subArchitectures?: string[] | null }>;
  syscalls?: SeccompRule[] | null;
}

/** The OCI runtime-spec `linux.seccomp` section runc reads. */
export interface OciSeccomp {
  defaultAction: string;
  architectures?: string[];
  syscalls?: Array<{ names: string[]; action: string; errnoRet?: number; args?: unknown[] }>;
}

/** What a profile's rules are matched against. */
export interface SeccompTarget {
  /** libseccomp's name of the native arch (`amd64`, `arm64`), as moby's goToNative gives it. */
  arch: string;
  /** The container's final bounding capabilities (`CAP_SYS_ADMIN`, ...). */
  capabilities: ReadonlySet<string>;
  /** The host kernel's `major.minor`. */
  kernel: { major: number; minor: number };
  /**
   * OCI arches the host kernel was built without (`SCMP_ARCH_X32` when `CONFIG_X86_X32_ABI` is not
   * set): left out of `architectures`, since no process can make a call of theirs. libseccomp's
   * compile in `runc init` grows with each arch (about 10 ms of every start here for x32).
   */
  missingAbis?: ReadonlySet<string>;
}

// moby's nativeToSeccomp: libseccomp arch name => OCI arch.
const NATIVE_TO_SECCOMP: Record<string, string> = {
  x86: 'SCMP_ARCH_X86',
  amd64: 'SCMP_ARCH_X86_64',
  arm: 'SCMP_ARCH_ARM',
  arm64: 'SCMP_ARCH_AARCH64',
  mips64: 'SCMP_ARCH_MIPS64',
  mips64n32: 'SCMP_ARCH_MIPS64N32',
  mipsel64: 'SCMP_ARCH_MIPSEL64',
  mips3l64n32: 'SCMP_ARCH_MIPSEL64N32',
  mipsle: 'SCMP_ARCH_MIPSEL',
  ppc: 'SCMP_ARCH_PPC',
  ppc64: 'SCMP_ARCH_PPC64',
  ppc64le: 'SCMP_ARCH_PPC64LE',
  s390: 'SCMP_ARCH_S390',
  s390x: 'SCMP_ARCH_S390X',
};

// Node's process.arch => libseccomp arch name (moby maps GOARCH the same way).
const NODE_TO_NATIVE: Record<string, string> = {
  ia32: 'x86', x64: 'amd64', arm: 'arm', arm64: 'arm64', mips: 'mips', mipsel: 'mipsel',
  ppc: 'ppc', ppc64: 'ppc64', s390: 's390', s390x: 's390x',
};

/** libseccomp's arch name for a Node `process.arch` (`x64` → `amd64`). */
export function nativeArch(nodeArch: string): string {
  // Node reports little-endian ppc64 as ppc64 on ppc64le hosts.
  return NODE_TO_NATIVE[nodeArch] ?? nodeArch;
}

/**
 * The sub-arches a kernel build cannot run, from its config text (`/proc/config.gz`, or
 * `/boot/config-<release>`): x32 when `CONFIG_X86_X32_ABI` (`CONFIG_X86_X32` before 5.18) is
 * unset. Without a config to read, nothing is known missing and the profile stays whole.
 */
export function missingAbisOf(kernelConfig: string | undefined): Set<string> {
  const missing = new Set<string>();
  if (kernelConfig === undefined || !/^CONFIG_X86_64=y$/m.test(kernelConfig)) return missing;
  if (!/^CONFIG_X86_X32(_ABI)?=y$/m.test(kernelConfig)) missing.add('SCMP_ARCH_X32');
  if (!/^CONFIG_IA32_EMULATION=y$/m.test(kernelConfig)) missing.add('SCMP_ARCH_X86');
  return missing;
}

/** `major.minor` of a kernel release (`6.1.0-18-amd64` → 6.1), as moby's parseRelease reads it. */
export function parseKernelRelease(release: string): { major: number; minor: number } {
  const m = /^(\d+)\.(\d+)/.exec(release);
  if (!m) throw new Error(`failed to parse kernel version "${release}"`);
  return { major: Number(m[1]), minor: Number(m[2]) };
}

function kernelAtLeast(kernel: SeccompTarget['kernel'], min: string): boolean {
  const want = parseKernelRelease(min);
  return kernel.major > want.major || (kernel.major === want.major && kernel.minor >= want.minor);
}

/** Whether a rule applies to the target, by moby's includes/excludes rules. */
function ruleApplies(rule: SeccompRule, target: SeccompTarget): boolean {
  const ex = rule.excludes ?? {};
  if (ex.arches?.length && ex.arches.includes(target.arch)) return false;
  if (ex.caps?.length && ex.caps.some((c) => target.capabilities.has(c))) return false;
  if (ex.minKernel && kernelAtLeast(target.kernel, ex.minKernel)) return false;
  const inc = rule.includes ?? {};
  if (inc.arches?.length && !inc.arches.includes(target.arch)) return false;
  if (inc.caps?.length && !inc.caps.every((c) => target.capabilities.has(c))) return false;
  if (inc.minKernel && !kernelAtLeast(target.kernel, inc.minKernel)) return false;
  return true;
}

/**
 * The OCI seccomp section a Docker profile gives a container, as moby's setupSeccomp builds it;
 * undefined when the profile has neither a default action nor rules (seccomp off).
 */
export function ociSeccomp(profile: SeccompProfile, target: SeccompTarget): OciSeccomp | undefined {
  const syscalls = profile.syscalls ?? [];
  if (!profile.defaultAction && syscalls.length === 0) return undefined;
  if (profile.architectures?.length && profile.archMap?.length) {
    throw new Error("'architectures' and 'archMap' were specified in the seccomp profile, use either 'architectures' or 'archMap'");
  }
  const architectures = [...(profile.architectures ?? [])];
  const native = NATIVE_TO_SECCOMP[target.arch];
  const entry = native ? profile.archMap?.find((a) => a.architecture === native) : undefined;
  if (entry) architectures.push(entry.architecture, ...(entry.subArchitectures ?? []).filter((a) => !target.missingAbis?.has(a)));
  const out: NonNullable<OciSeccomp['syscalls']> = [];
  for (const rule of syscalls) {
    if (!ruleApplies(rule, target)) continue;
    if (rule.name && rule.names?.length) throw new Error("'name' and 'names' were specified in the seccomp profile, use either 'name' or 'names'");
    out.push({
      names: rule.name ? [rule.name] : (rule.names ?? []),
      action: rule.action,
      ...(rule.errnoRet !== undefined && rule.errnoRet !== null ? { errnoRet: rule.errnoRet } : {}),
      ...(rule.args?.length ? { args: rule.args } : {}),
    });
  }
  return {
    defaultAction: profile.defaultAction ?? '',
    ...(architectures.length ? { architectures } : {}),
    ...(out.length ? { syscalls: out } : {}),
  };
}
