// Test-only: why tests with real containers cannot run on this machine, if they cannot.
import { existsSync } from 'node:fs';

/** '' when root, runc and conmon are here; else the reason to skip. */
export function containerSkipReason(): string {
  if (process.getuid?.() !== 0) return 'containers need root';
  if (!existsSync('/usr/sbin/runc')) return 'runc is not installed (/usr/sbin/runc)';
  if (!existsSync('/usr/bin/conmon')) return 'conmon is not installed (/usr/bin/conmon)';
  return '';
}
