import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

/**
 * Where Strata keeps its data unless told otherwise: `$STRATA_DATA_ROOT`; as root
 * `/var/lib/strata` (like dockerd's /var/lib/docker); otherwise `$XDG_DATA_HOME/strata` or
 * `~/.local/share/strata`.
 */
export function defaultDataRoot(env: NodeJS.ProcessEnv = process.env, uid: number | undefined = process.getuid?.()): string {
  if (env.STRATA_DATA_ROOT) return resolve(env.STRATA_DATA_ROOT);
  if (uid === 0) return '/var/lib/strata';
  // The XDG spec says relative values are invalid and must be ignored.
  if (env.XDG_DATA_HOME && isAbsolute(env.XDG_DATA_HOME)) return join(env.XDG_DATA_HOME, 'strata');
  return join(env.HOME || homedir(), '.local', 'share', 'strata');
}
