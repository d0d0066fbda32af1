import { describe, expect, it } from 'vitest';
import { ociCreateError } from './oci-error.js';
import { signalNumber } from './signals.js';

describe('signals and runtime errors', () => {
  it('takes signal names with or without SIG, any case, and numbers', () => {
    expect(['SIGTERM', 'TERM', 'term', '15'].map(signalNumber)).toEqual([15, 15, 15, 15]);
    expect(['KILL', 'SIGKILL', '9'].map(signalNumber)).toEqual([9, 9, 9]);
    expect(signalNumber('SIGRTMIN+3')).toBe(37);
    for (const bad of ['SIGNOPE', '0', '65', '']) expect(() => signalNumber(bad)).toThrow(`Invalid signal: ${bad}`);
  });

  it('wraps runc create failures as dockerd does; not-found and permission texts are the user\'s input', () => {
    const e = ociCreateError('runc create failed: unable to start container process: exec: "/etc": permission denied\n');
    expect(e.kind).toBe('invalid');
    expect(e.message).toBe('failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "/etc": permission denied: unknown');
    expect(ociCreateError('runc create failed: cgroup trouble').kind).toBe('internal');
  });
});
