import { type KeyBinding, rebind } from './keymap.js';

/** A keymap with keys.json applied, and what in the file could not be used. */
export interface ConfiguredKeymap {
  keymap: KeyBinding[];
  problems: string[];
}

/**
 * Applies keys.json: an object from `scope.action` (as `?` lists them, e.g. `containers.stop`,
 * `global.quit`) to a key or a list of keys (`"x"`, `["q", "ctrl+c"]`). Entries that name no
 * binding or no valid key are reported and skipped, so one typo does not cost the other keys.
 */
export function applyKeyConfig(keymap: readonly KeyBinding[], config: unknown): ConfiguredKeymap {
  const problems: string[] = [];
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    return { keymap: [...keymap], problems: ['keys.json must hold an object like {"containers.stop": "x"}'] };
  }
  const result = [...keymap];
  for (const [name, value] of Object.entries(config as Record<string, unknown>)) {
    const index = result.findIndex((b) => `${b.scope}.${b.action}` === name);
    if (index < 0) {
      problems.push(`keys.json: no key binding is called "${name}"`);
      continue;
    }
    const specs = typeof value === 'string' ? [value] : Array.isArray(value) && value.every((v) => typeof v === 'string') ? (value as string[]) : undefined;
    if (!specs || specs.length === 0) {
      problems.push(`keys.json: "${name}" needs a key or a list of keys`);
      continue;
    }
    try {
      result[index] = rebind(result[index], specs);
    } catch (e) {
      problems.push(`keys.json: "${name}": ${(e as Error).message}`);
    }
  }
  return { keymap: result, problems };
}

/** The name keys.json uses for a binding. */
export const bindingName = (b: KeyBinding): string => `${b.scope}.${b.action}`;
