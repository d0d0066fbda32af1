import { readFileSync } from 'node:fs';
import { arch, release } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { invalid, type SeccompChoice } from '@strata/core';
import dockerDefault from './docker-default.json' with { type: 'json' };
import { missingAbisOf, nativeArch, ociSeccomp, parseKernelRelease, type OciSeccomp, type SeccompProfile, type SeccompTarget } from './seccomp-profile.js';

/** Docker 20.10's default profile (moby profiles/seccomp/default.json, Apache-2.0). */
export const DOCKER_DEFAULT_SECCOMP: SeccompProfile = dockerDefault as SeccompProfile;

let host: Omit<SeccompTarget, 'capabilities'> | undefined;

/** The running kernel's build config, when it is readable (`/proc/config.gz`, `/boot/config-<release>`). */
export function kernelConfig(): string | undefined {
  try {
    return gunzipSync(readFileSync('/proc/config.gz')).toString('latin1');
  } catch {
    try {
      return readFileSync(`/boot/config-${release()}`, 'latin1');
    } catch {
      return undefined;
    }
  }
}
// The default profile converts to the same section for the same capabilities; a run pays it once.
const defaultByCaps = new Map<string, OciSeccomp | undefined>();

/**
 * The OCI `linux.seccomp` section for a container with these bounding capabilities, as dockerd's
 * WithSeccomp gives it: Docker's default profile, nothing when unconfined, or the user's profile.
 */
export function containerSeccomp(choice: SeccompChoice | undefined, capabilities: readonly string[]): OciSeccomp | undefined {
  if (choice?.mode === 'unconfined') return undefined;
  host ??= { arch: nativeArch(arch()), kernel: parseKernelRelease(release()), missingAbis: missingAbisOf(kernelConfig()) };
  const target = { ...host, capabilities: new Set(capabilities) };
  if (choice?.mode === 'profile') {
    let profile: SeccompProfile;
    try {
      profile = JSON.parse(choice.profile) as SeccompProfile;
    } catch (e) {
      throw invalid(`Decoding seccomp profile failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    try {
      return ociSeccomp(profile, target);
    } catch (e) {
      throw invalid(e instanceof Error ? e.message : String(e));
    }
  }
  const key = [...capabilities].sort().join(',');
  if (!defaultByCaps.has(key)) defaultByCaps.set(key, ociSeccomp(DOCKER_DEFAULT_SECCOMP, target));
  return defaultByCaps.get(key);
}
