import { invalid } from '../errors/index.js';

/** The seccomp filter a container asks for: Docker's default profile, none, or the user's profile JSON. */
export type SeccompChoice = { mode: 'default' } | { mode: 'unconfined' } | { mode: 'profile'; profile: string };

/**
 * The seccomp choice of a container's HostConfig, as dockerd 20.10 reads `SecurityOpt`
 * (daemon_unix.go parseSecurityOpt) and WithSeccomp applies it: `--privileged` and
 * `seccomp=unconfined` run without a filter. Throws dockerd's wording for a malformed option.
 */
export function seccompOf(hostConfig: Record<string, unknown>): SeccompChoice {
  let choice: SeccompChoice = { mode: 'default' };
  const options = Array.isArray(hostConfig.SecurityOpt) ? (hostConfig.SecurityOpt as unknown[]) : [];
  for (const raw of options) {
    const opt = String(raw);
    if (opt === 'no-new-privileges' || opt === 'disable') continue;
    const sep = opt.includes('=') ? '=' : opt.includes(':') ? ':' : '';
    if (!sep) throw invalid(`invalid --security-opt 1: "${opt}"`);
    const at = opt.indexOf(sep);
    const key = opt.slice(0, at);
    const value = opt.slice(at + 1);
    if (key === 'seccomp') choice = value === 'unconfined' ? { mode: 'unconfined' } : value === '' ? { mode: 'default' } : { mode: 'profile', profile: value };
    else if (key === 'no-new-privileges') {
      if (!/^(1|t|T|TRUE|true|True|0|f|F|FALSE|false|False)$/.test(value)) throw invalid(`invalid --security-opt 2: "${opt}"`);
    } else if (key !== 'label' && key !== 'apparmor') throw invalid(`invalid --security-opt 2: "${opt}"`);
  }
  if (hostConfig.Privileged === true) return { mode: 'unconfined' };
  if (choice.mode === 'profile') {
    try {
      JSON.parse(choice.profile);
    } catch (e) {
      throw invalid(`Decoding seccomp profile failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return choice;
}
