import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { testPorts } from '../../test-support/memory.js';
import { fixturesDir, readFixture, streamOf } from '../../test-support/node.js';
import { createEngine } from './index.js';

const inspectOf = (name: string) => JSON.parse(readFileSync(join(fixturesDir, 'images', name, 'inspect.json'), 'utf8'))[0];

describe('loadArchive: the archive in any chunking', () => {
  // Tiny chunks are gathered before the tar reader, socket-sized ones pass as they are: every
  // split of the same bytes must load the same image with the same layers.
  for (const chunk of [61, 511, 4093, 16 * 1024, 65536, 70_001, 3 << 20]) {
    it(`loads 02-whiteout delivered in ${chunk}-byte chunks, plain and gzipped`, async () => {
      const want = inspectOf('02-whiteout');
      const tar = readFixture('images/02-whiteout/image.tar');
      for (const bytes of chunk === 61 ? [tar] : [tar, new Uint8Array(gzipSync(tar))]) {
        const engine = createEngine(testPorts());
        const r = await engine.loadImages(streamOf(bytes, chunk));
        expect(r.imageIds).toEqual([want.Id]);
        const inspect = await engine.inspectImage(want.Id);
        expect(inspect.RootFS.Layers).toEqual(want.RootFS.Layers);
        expect(inspect.Size).toBe(want.Size);
      }
    });
  }
});
