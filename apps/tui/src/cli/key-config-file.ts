import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { applyKeyConfig, type ConfiguredKeymap } from '../model/key-config.js';
import { defaultKeymap } from '../model/keymap.js';

/** Where strata looks for key bindings: $STRATA_KEYS, else $XDG_CONFIG_HOME/strata/keys.json (~/.config by default). */
export function keyConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.STRATA_KEYS) return env.STRATA_KEYS;
  const config = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(config, 'strata', 'keys.json');
}

/** The keymap with the user's keys.json applied; a missing file is the default keymap, a broken one a problem to show. */
export async function readKeyConfig(path = keyConfigPath()): Promise<ConfiguredKeymap> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { keymap: [...defaultKeymap], problems: [] };
    return { keymap: [...defaultKeymap], problems: [`${path}: ${(e as Error).message}`] };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return { keymap: [...defaultKeymap], problems: [`${path}: ${(e as Error).message}`] };
  }
  return applyKeyConfig(defaultKeymap, parsed);
}
