import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { discardDirectory } from './discarded-dir.js';

describe('discardDirectory', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'strata-discard-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('takes the directory away at once and empties the trash in the background', async () => {
    const dir = join(root, 'containers', 'c1');
    await mkdir(join(dir, 'upper/a/b'), { recursive: true });
    await writeFile(join(dir, 'upper/a/b/file'), 'x');
    const errors: string[] = [];
    await discardDirectory(dir, join(root, 'tmp'), (m) => errors.push(m));
    expect(existsSync(dir)).toBe(false);
    await expect.poll(() => readdir(join(root, 'tmp'))).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('is a no-op for a directory that is not there, and deletes in place when the trash is unusable', async () => {
    await discardDirectory(join(root, 'absent'), join(root, 'tmp'), () => undefined);
    const dir = join(root, 'c2');
    await mkdir(join(dir, 'x'), { recursive: true });
    await writeFile(join(root, 'not-a-dir'), '');
    await discardDirectory(dir, join(root, 'not-a-dir'), () => undefined);
    expect(existsSync(dir)).toBe(false);
  });
});
