import { afterEach, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { openDataRoot, type DataRoot } from '@strata/storage';
import { containerRuntime } from './containerRuntime.js';

const hasRunc = existsSync('/usr/sbin/runc') && existsSync('/usr/bin/conmon') && process.getuid?.() === 0;

let dir: string | undefined;
let dataRoot: DataRoot | undefined;
afterEach(async () => {
  await dataRoot?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
  dataRoot = undefined;
});

describe.skipIf(!hasRunc)('containerRuntime', () => {
  it('builds the runc runtime on the data root and reports runc\'s path and version as dockerd does', async () => {
    dir = await mkdtemp(join(tmpdir(), 'strata-runtime-facts-'));
    dataRoot = await openDataRoot(join(dir, 'root'));
    const found = await containerRuntime(dataRoot.root, dataRoot.ports);
    expect(found.disabled).toBeUndefined();
    expect(found.runtime?.name).toBe('runc');
    const version = /version\s+(\S+)/.exec(spawnSync('/usr/sbin/runc', ['--version'], { encoding: 'utf8' }).stdout)?.[1];
    expect(found.facts).toEqual({ name: 'runc', path: '/usr/sbin/runc', version });
    expect(await found.runtime!.available()).toEqual({ ok: true });
  });
});
