import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { collect, fixtureImages, fixturesDir, readFixture, streamOf } from '../../test-support/node.js';
import { indexLayer, readTar } from './index.js';

/** Per layer of layers.txt: entry count, byte count and the sizes of its regular files. */
function listed(image: string) {
  const text = readFileSync(join(fixturesDir, 'images', image, 'layers.txt'), 'utf8');
  return text.split(/^=== /m).slice(1).map((section) => {
    const head = /^layer \d+: (\S+).*\((\d+) entries, (\d+) bytes\)/.exec(section)!;
    const files = [...section.matchAll(/^ {2}file .* size=(\d+)/gm)].map((m) => Number(m[1]));
    return { path: head[1], count: Number(head[2]), bytes: Number(head[3]), fileBytes: files.reduce((a, b) => a + b, 0) };
  });
}

describe.each(fixtureImages)('indexLayer over %s', (image) => {
  it('counts entries, file bytes and archive bytes as layers.txt does, without bodies', async () => {
    const want = listed(image);
    let seen = 0;
    for await (const outer of readTar(streamOf(readFixture(`images/${image}/image.tar`)))) {
      const layer = want.find((l) => l.path === outer.path);
      if (!layer) continue;
      const index = await indexLayer(streamOf(await collect(outer.body), 4096));
      expect({ count: index.entryCount, bytes: index.archiveBytes, fileBytes: index.fileBytes }).toEqual({
        count: layer.count,
        bytes: layer.bytes,
        fileBytes: layer.fileBytes,
      });
      expect(index.entries).toHaveLength(layer.count);
      expect(index.entries.every((e) => !('raw' in e) && !('body' in e))).toBe(true);
      seen++;
    }
    expect(seen).toBe(want.length);
  });
});
