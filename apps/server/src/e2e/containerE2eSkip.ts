// Test support: why an end-to-end test of real containers cannot run on this machine, or '' when it can.
import { existsSync } from 'node:fs';
import { dockerBinary } from '../dockerCli.js';

/** A host tool a test needs: its name in the skip message, where Debian installs it, and its apt package. */
export interface HostTool {
  name: string;
  path: string;
  aptPackage: string;
}

/**
 * '' when the docker CLI, runc, conmon and `tools` are installed and we are root; otherwise what is missing,
 * with the apt-get line that installs it, or `rootReason`.
 */
export function containerE2eSkipReason(tools: HostTool[] = [], rootReason = 'containers need root here'): string {
  const needed: Array<HostTool & { present: boolean }> = [
    { name: 'docker CLI', path: dockerBinary ?? '', aptPackage: '', present: dockerBinary !== undefined && existsSync(dockerBinary) },
    ...[{ name: 'runc', path: '/usr/sbin/runc', aptPackage: 'runc' }, { name: 'conmon', path: '/usr/bin/conmon', aptPackage: 'conmon' }, ...tools].map((t) => ({
      ...t,
      present: existsSync(t.path),
    })),
  ];
  const missing = needed.filter((t) => !t.present);
  if (missing.length > 0) {
    const packages = missing.map((t) => t.aptPackage).filter(Boolean);
    return `${missing.map((t) => t.name).join(', ')} missing${packages.length > 0 ? ` (apt-get install ${packages.join(' ')})` : ''}`;
  }
  return process.getuid?.() !== 0 ? rootReason : '';
}
