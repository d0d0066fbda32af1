import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

/**
 * The default data root, as `@strata/storage`'s `defaultDataRoot` finds it ($STRATA_DATA_ROOT, root's
 * /var/lib/strata, $XDG_DATA_HOME/strata, ~/.local/share/strata). Repeated here so that the app can read
 * the store's index for its first frame before it loads storage and the engine; a test keeps the two equal.
 */
export function dataRootPath(env: NodeJS.ProcessEnv = process.env, uid: number | undefined = process.getuid?.()): string {
  if (env.STRATA_DATA_ROOT) return resolve(env.STRATA_DATA_ROOT);
  if (uid === 0) return '/var/lib/strata';
  if (env.XDG_DATA_HOME && isAbsolute(env.XDG_DATA_HOME)) return join(env.XDG_DATA_HOME, 'strata');
  return join(env.HOME || homedir(), '.local', 'share', 'strata');
}
