import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';

/** What `docker version` and `docker info` report about the machine the daemon runs on. */
export interface HostFacts {
  kernelVersion: string;
  operatingSystem: string;
  osVersion: string;
  /** `uname -m` form (`x86_64`), as `docker info` shows Architecture. */
  machine: string;
  /** Go's GOARCH form (`amd64`), as `docker version` shows OS/Arch. */
  arch: string;
  ncpu: number;
  memTotal: number;
  hostname: string;
  cgroupVersion: string;
}

const goArch: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };

function osRelease(): Record<string, string> {
  for (const path of ['/etc/os-release', '/usr/lib/os-release']) {
    try {
      const fields: Record<string, string> = {};
      for (const line of readFileSync(path, 'utf8').split('\n')) {
        const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
        if (m) fields[m[1]] = m[2].replace(/^"(.*)"$/, '$1');
      }
      return fields;
    } catch {
      // try the next location
    }
  }
  return {};
}

/** Reads the host's kernel, OS, CPU and memory facts once. */
export function readHostFacts(): HostFacts {
  const release = osRelease();
  return {
    kernelVersion: os.release(),
    operatingSystem: release.PRETTY_NAME ?? os.type(),
    osVersion: release.VERSION_ID ?? '',
    machine: os.machine(),
    arch: goArch[process.arch] ?? process.arch,
    ncpu: os.availableParallelism(),
    memTotal: os.totalmem(),
    hostname: os.hostname(),
    cgroupVersion: existsSync('/sys/fs/cgroup/cgroup.controllers') ? '2' : '1',
  };
}
