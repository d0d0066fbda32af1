import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { explainOpenFailure, openEmbeddedEngine } from './data-root-engine.js';
import { LoadSourceError, openLoadSource, runLoad } from './load-command.js';
import { fixtureArchivePath } from '../testing/fixture-archive.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-tui-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the embedded engine on a data root', () => {
  it('keeps loaded images across opens', async () => {
    const first = await openEmbeddedEngine(dir);
    try {
      const archive = await openLoadSource({ input: fixtureArchivePath('02-whiteout'), stdin: process.stdin });
      const lines: string[] = [];
      await runLoad(first.engine, archive, (l) => lines.push(l));
      expect(lines).toEqual(['Loaded image: fixture/02-whiteout:v1']);
    } finally {
      await first.close();
    }
    const second = await openEmbeddedEngine(dir);
    try {
      expect((await second.engine.listImages()).map((i) => i.RepoTags)).toEqual([['fixture/02-whiteout:v1']]);
    } finally {
      await second.close();
    }
  });

  it('refuses a data root another owner holds, and says how to fix it', async () => {
    const owner = await openEmbeddedEngine(dir);
    try {
      const error = await openEmbeddedEngine(dir).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeDefined();
      const text = explainOpenFailure(error, dir);
      expect(text).toContain(`data root ${dir} is in use by process ${process.pid}`);
      expect(text).toContain('strata --data-root DIR');
    } finally {
      await owner.close();
    }
  });

  it('says what docker says about a missing archive', async () => {
    await expect(openLoadSource({ input: join(dir, 'nope.tar'), stdin: process.stdin })).rejects.toThrow(
      new LoadSourceError(`open ${join(dir, 'nope.tar')}: no such file or directory`),
    );
  });
});
