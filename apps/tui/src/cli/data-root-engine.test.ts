import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { explainOpenFailure, openEmbeddedEngine } from './data-root-engine.js';
import { LoadSourceError, openLoadSource, runLoad } from './load-command.js';
import { fixtureArchivePath } from '../testing/fixture-archive.js';
import { nodeHostFiles } from './host-files.js';

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

  it('builds a Dockerfile with ADD <url>, fetched from a server on 127.0.0.1', async () => {
    const server = createServer((req, res) => {
      if (req.url === '/hello.txt') res.end('hello from loopback\n');
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const embedded = await openEmbeddedEngine(join(dir, 'root'));
    try {
      const context = join(dir, 'context');
      await mkdir(context);
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hello.txt`;
      await writeFile(join(context, 'Dockerfile'), `FROM scratch\nADD ${url} /hello.txt\n`);
      const files = nodeHostFiles(process.stdin);
      const id = await embedded.engine.buildImage(await files.packContext(context, 'Dockerfile'), { dockerfile: 'Dockerfile', tags: ['added:v1'] }, () => undefined);
      const [image] = await embedded.engine.listImages();
      expect(image.Id).toBe(id);
      expect(image.RepoTags).toEqual(['added:v1']);
      // The layer holds the 20 downloaded bytes.
      expect(image.Size).toBe(20);
    } finally {
      await embedded.close();
      server.close();
    }
  });

  it('says what docker says about a missing archive', async () => {
    await expect(openLoadSource({ input: join(dir, 'nope.tar'), stdin: process.stdin })).rejects.toThrow(
      new LoadSourceError(`open ${join(dir, 'nope.tar')}: no such file or directory`),
    );
  });
});
