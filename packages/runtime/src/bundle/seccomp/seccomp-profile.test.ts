import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DOCKER_DEFAULT_CAPABILITIES } from '../oci-config.js';
import { containerSeccomp, kernelConfig } from './container-seccomp.js';
import { missingAbisOf, nativeArch, ociSeccomp, parseKernelRelease, type SeccompProfile } from './seccomp-profile.js';

const profile = JSON.parse(readFileSync(new URL('./docker-default.json', import.meta.url), 'utf8')) as SeccompProfile;
const amd64 = (caps: readonly string[], kernel = { major: 5, minor: 10 }) => ({ arch: 'amd64', capabilities: new Set(caps), kernel });
const rulesFor = (s: ReturnType<typeof ociSeccomp>, name: string) => (s?.syscalls ?? []).filter((r) => r.names.includes(name));

describe('Docker default seccomp profile → OCI linux.seccomp', () => {
  it('keeps the default action and the native arch with its sub-arches from archMap', () => {
    const s = ociSeccomp(profile, amd64(DOCKER_DEFAULT_CAPABILITIES));
    expect(s?.defaultAction).toBe('SCMP_ACT_ERRNO');
    expect(s?.architectures).toEqual(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
    const arm = ociSeccomp(profile, { ...amd64(DOCKER_DEFAULT_CAPABILITIES), arch: 'arm64' });
    expect(arm?.architectures).toEqual(['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
  });

  it('allows chroot only with CAP_SYS_CHROOT and unshare/mount only with CAP_SYS_ADMIN', () => {
    const defaults = ociSeccomp(profile, amd64(DOCKER_DEFAULT_CAPABILITIES));
    expect(rulesFor(defaults, 'chroot')).toEqual([{ names: ['chroot'], action: 'SCMP_ACT_ALLOW' }]);
    expect(rulesFor(defaults, 'unshare')).toEqual([]);
    expect(rulesFor(defaults, 'mount')).toEqual([]);
    const noChroot = ociSeccomp(profile, amd64(DOCKER_DEFAULT_CAPABILITIES.filter((c) => c !== 'CAP_SYS_CHROOT')));
    expect(rulesFor(noChroot, 'chroot')).toEqual([]);
    const admin = ociSeccomp(profile, amd64([...DOCKER_DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN']));
    expect(rulesFor(admin, 'unshare')[0]?.action).toBe('SCMP_ACT_ALLOW');
    expect(rulesFor(admin, 'mount')[0]?.action).toBe('SCMP_ACT_ALLOW');
  });

  it('keeps errnoRet: clone3 returns ENOSYS without CAP_SYS_ADMIN, and that rule goes with it', () => {
    const defaults = ociSeccomp(profile, amd64(DOCKER_DEFAULT_CAPABILITIES));
    expect(rulesFor(defaults, 'clone3')).toEqual([{ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 }]);
    const admin = ociSeccomp(profile, amd64([...DOCKER_DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN']));
    expect(rulesFor(admin, 'clone3')).toEqual([expect.objectContaining({ action: 'SCMP_ACT_ALLOW' })]);
  });

  it('filters arch-specific rules: arch_prctl on amd64, the arm calls on arm64, clone with args on s390x', () => {
    const x86 = ociSeccomp(profile, amd64(DOCKER_DEFAULT_CAPABILITIES));
    expect(rulesFor(x86, 'arch_prctl')).toHaveLength(1);
    expect(rulesFor(x86, 'breakpoint')).toEqual([]);
    const arm = ociSeccomp(profile, { ...amd64(DOCKER_DEFAULT_CAPABILITIES), arch: 'arm64' });
    expect(rulesFor(arm, 'arch_prctl')).toEqual([]);
    expect(rulesFor(arm, 'breakpoint')).toHaveLength(1);
    // amd64 without CAP_SYS_ADMIN: clone allowed with the namespace-flags mask in args.
    const clone = rulesFor(x86, 'clone');
    expect(clone).toHaveLength(1);
    expect(clone[0].args).toEqual([{ index: 0, value: 2114060288, op: 'SCMP_CMP_MASKED_EQ' }]);
    const s390 = ociSeccomp(profile, { ...amd64(DOCKER_DEFAULT_CAPABILITIES), arch: 's390x' });
    expect(rulesFor(s390, 'clone')[0].args).toEqual([{ index: 1, value: 2114060288, op: 'SCMP_CMP_MASKED_EQ' }]);
  });

  it('allows ptrace only from kernel 4.8 (minKernel)', () => {
    expect(rulesFor(ociSeccomp(profile, amd64(DOCKER_DEFAULT_CAPABILITIES, { major: 4, minor: 8 })), 'ptrace')).toHaveLength(1);
    expect(rulesFor(ociSeccomp(profile, amd64(DOCKER_DEFAULT_CAPABILITIES, { major: 4, minor: 7 })), 'ptrace')).toEqual([]);
    expect(rulesFor(ociSeccomp(profile, amd64(DOCKER_DEFAULT_CAPABILITIES, { major: 3, minor: 99 })), 'ptrace')).toEqual([]);
    expect(rulesFor(ociSeccomp(profile, amd64(DOCKER_DEFAULT_CAPABILITIES, { major: 6, minor: 1 })), 'ptrace')).toHaveLength(1);
  });

  it('leaves out the sub-arches the kernel was built without (x32 here costs ~10 ms of every runc create)', () => {
    const x86Kernel = (lines: string[]) => ['CONFIG_X86_64=y', ...lines].join('\n');
    expect([...missingAbisOf(x86Kernel(['# CONFIG_X86_X32_ABI is not set', 'CONFIG_IA32_EMULATION=y']))]).toEqual(['SCMP_ARCH_X32']);
    expect([...missingAbisOf(x86Kernel(['CONFIG_X86_X32_ABI=y', 'CONFIG_IA32_EMULATION=y']))]).toEqual([]);
    // Before 5.18 the option was CONFIG_X86_X32.
    expect([...missingAbisOf(x86Kernel(['CONFIG_X86_X32=y', 'CONFIG_IA32_EMULATION=y']))]).toEqual([]);
    expect([...missingAbisOf(x86Kernel(['# CONFIG_IA32_EMULATION is not set']))]).toEqual(['SCMP_ARCH_X32', 'SCMP_ARCH_X86']);
    // No config to read, or not an x86-64 kernel: the profile stays whole.
    expect([...missingAbisOf(undefined)]).toEqual([]);
    expect([...missingAbisOf('CONFIG_ARM64=y\n')]).toEqual([]);
    const lean = ociSeccomp(profile, { ...amd64(DOCKER_DEFAULT_CAPABILITIES), missingAbis: new Set(['SCMP_ARCH_X32']) });
    expect(lean?.architectures).toEqual(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86']);
    // The rules are the same: only the arches runc compiles them for change.
    expect(lean?.syscalls).toEqual(ociSeccomp(profile, amd64(DOCKER_DEFAULT_CAPABILITIES))?.syscalls);
  });

  it("this host's containers get the arches its own kernel config allows", () => {
    const config = kernelConfig();
    const arches = containerSeccomp(undefined, DOCKER_DEFAULT_CAPABILITIES)?.architectures ?? [];
    if (process.arch !== 'x64') return;
    const runsX32 = config === undefined || /^CONFIG_X86_X32(_ABI)?=y$/m.test(config);
    expect(arches.includes('SCMP_ARCH_X32')).toBe(runsX32);
    expect(arches.slice(0, 2)).toEqual(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86']);
  });

  it('reads kernel releases and Node arches as moby does', () => {
    expect(parseKernelRelease('6.1.0-18-amd64')).toEqual({ major: 6, minor: 1 });
    expect(parseKernelRelease('3.12-1-amd64')).toEqual({ major: 3, minor: 12 });
    expect(() => parseKernelRelease('bogus')).toThrow('failed to parse kernel version "bogus"');
    expect(nativeArch('x64')).toBe('amd64');
    expect(nativeArch('arm64')).toBe('arm64');
  });

  it('converts user profiles: name vs names, architectures, an empty profile means no filter, and moby refusals', () => {
    const custom: SeccompProfile = {
      defaultAction: 'SCMP_ACT_ALLOW',
      architectures: ['SCMP_ARCH_X86_64'],
      syscalls: [{ name: 'mkdir', action: 'SCMP_ACT_ERRNO', errnoRet: 1, args: null }],
    };
    expect(ociSeccomp(custom, amd64([]))).toEqual({
      defaultAction: 'SCMP_ACT_ALLOW',
      architectures: ['SCMP_ARCH_X86_64'],
      syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }],
    });
    expect(ociSeccomp({}, amd64([]))).toBeUndefined();
    expect(() => ociSeccomp({ ...custom, archMap: profile.archMap }, amd64([]))).toThrow(
      "'architectures' and 'archMap' were specified in the seccomp profile, use either 'architectures' or 'archMap'",
    );
    expect(() => ociSeccomp({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ name: 'a', names: ['b'], action: 'SCMP_ACT_ERRNO' }] }, amd64([]))).toThrow(
      "'name' and 'names' were specified",
    );
  });

  it('gives a container no filter when unconfined, the default for its capabilities otherwise, and rejects bad JSON', () => {
    expect(containerSeccomp({ mode: 'unconfined' }, DOCKER_DEFAULT_CAPABILITIES)).toBeUndefined();
    const d = containerSeccomp(undefined, DOCKER_DEFAULT_CAPABILITIES);
    expect(d?.defaultAction).toBe('SCMP_ACT_ERRNO');
    expect(d?.syscalls?.some((r) => r.names.includes('chroot'))).toBe(true);
    expect(containerSeccomp(undefined, ['CAP_KILL'])?.syscalls?.some((r) => r.names.includes('chroot'))).toBe(false);
    const p = containerSeccomp({ mode: 'profile', profile: '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ERRNO"}]}' }, []);
    expect(p).toEqual({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }] });
    expect(() => containerSeccomp({ mode: 'profile', profile: '{"defaultAction":' }, [])).toThrow(/^Decoding seccomp profile failed: /);
  });
});
