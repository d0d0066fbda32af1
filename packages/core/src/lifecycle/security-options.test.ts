import { describe, expect, it } from 'vitest';
import { seccompOf } from './security-options.js';

describe('seccompOf: HostConfig.SecurityOpt as dockerd 20.10 reads it', () => {
  it('default profile unless seccomp=unconfined, a profile JSON, or --privileged', () => {
    expect(seccompOf({})).toEqual({ mode: 'default' });
    expect(seccompOf({ SecurityOpt: null })).toEqual({ mode: 'default' });
    expect(seccompOf({ SecurityOpt: ['seccomp=unconfined'] })).toEqual({ mode: 'unconfined' });
    expect(seccompOf({ SecurityOpt: ['seccomp:unconfined'] })).toEqual({ mode: 'unconfined' });
    expect(seccompOf({ SecurityOpt: ['seccomp={"defaultAction":"SCMP_ACT_ALLOW"}'] })).toEqual({ mode: 'profile', profile: '{"defaultAction":"SCMP_ACT_ALLOW"}' });
    expect(seccompOf({ Privileged: true })).toEqual({ mode: 'unconfined' });
    expect(seccompOf({ Privileged: true, SecurityOpt: ['seccomp={"defaultAction":"SCMP_ACT_ALLOW"}'] })).toEqual({ mode: 'unconfined' });
    expect(seccompOf({ SecurityOpt: ['no-new-privileges', 'no-new-privileges=true', 'label=disable', 'apparmor=unconfined'] })).toEqual({ mode: 'default' });
  });

  it("rejects malformed options and profiles with dockerd's words", () => {
    expect(() => seccompOf({ SecurityOpt: ['seccomp'] })).toThrow('invalid --security-opt 1: "seccomp"');
    expect(() => seccompOf({ SecurityOpt: ['foo=bar'] })).toThrow('invalid --security-opt 2: "foo=bar"');
    expect(() => seccompOf({ SecurityOpt: ['no-new-privileges=maybe'] })).toThrow('invalid --security-opt 2: "no-new-privileges=maybe"');
    expect(() => seccompOf({ SecurityOpt: ['seccomp={"defaultAction":'] })).toThrow(/^Decoding seccomp profile failed: /);
  });
});
