import { familiarName, familiarString } from './familiar.js';
import type { Reference } from './reference.js';
import { shellPatternMatch } from './shell-pattern.js';

/** True when `r`'s familiar string (`busybox:latest`) or familiar name (`busybox`) matches the shell pattern, as `docker images --filter reference=` does (FamiliarMatch). */
export function familiarMatch(pattern: string, r: Reference): boolean {
  if (shellPatternMatch(pattern, familiarString(r))) return true;
  // Once the pattern has been checked on the full string, its syntax is known to be fine.
  return shellPatternMatch(pattern, familiarName(r));
}
