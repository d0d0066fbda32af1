import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { actionFor } from '../model/keymap.js';
import { keyConfigPath, readKeyConfig } from './key-config-file.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-keys-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('keys.json', () => {
  it('lives in $XDG_CONFIG_HOME/strata unless $STRATA_KEYS names a file', () => {
    expect(keyConfigPath({ XDG_CONFIG_HOME: '/cfg' })).toBe('/cfg/strata/keys.json');
    expect(keyConfigPath({ XDG_CONFIG_HOME: '/cfg', STRATA_KEYS: '/k.json' })).toBe('/k.json');
  });

  it('rebinds keys from the file; a missing file is the default keymap, a broken one a problem', async () => {
    const path = join(dir, 'strata', 'keys.json');
    expect((await readKeyConfig(path)).problems).toEqual([]);
    await mkdir(join(dir, 'strata'));
    await writeFile(path, JSON.stringify({ 'containers.stop': 'x' }));
    const { keymap, problems } = await readKeyConfig(path);
    expect(problems).toEqual([]);
    expect(actionFor(keymap, { input: 'x' }, ['containers', 'global'])).toBe('stop');
    await writeFile(path, '{"containers.stop": ');
    const broken = await readKeyConfig(path);
    expect(broken.problems[0]).toMatch(new RegExp(`^${path}: .*JSON`));
    expect(actionFor(broken.keymap, { input: 's' }, ['containers', 'global'])).toBe('stop');
  });
});
