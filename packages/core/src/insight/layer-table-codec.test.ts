import { describe, expect, it } from 'vitest';
import { readTar, tarEntry } from '../layer/index.js';
import { fixtureImages, readFixture, streamOf } from '../../test-support/node.js';
import { decodeLayerTable, encodeLayerTable } from './layer-table-codec.js';
import { LayerTableBuilder, type LayerTable, tableOfLayer } from './layer-table.js';

async function tablesOf(name: string): Promise<LayerTable[]> {
  const tables: LayerTable[] = [];
  for await (const e of readTar(streamOf(readFixture(`images/${name}/image.tar`)))) {
    if (e.path.endsWith('layer.tar') || (e.path.startsWith('blobs/') && e.size > 10_000)) tables.push(await tableOfLayer(e.body));
    else await e.body.cancel();
  }
  return tables;
}

describe('layer index bytes', () => {
  it('give back every fixture layer exactly', async () => {
    let layers = 0;
    for (const name of fixtureImages) {
      for (const t of await tablesOf(name)) {
        expect(decodeLayerTable(encodeLayerTable(t))).toEqual(t);
        layers++;
      }
    }
    expect(layers).toBeGreaterThanOrEqual(fixtureImages.length);
  });

  it('keep non-ASCII names, link targets, numbers past 32 bits and the tar size', () => {
    const b = new LayerTableBuilder();
    b.add(tarEntry({ path: 'données/', type: 'directory', uid: 2 ** 33, gid: 70000, mode: 0o2775 }));
    b.add(tarEntry({ path: 'données/café ☕.txt', type: 'file', size: 2 ** 40 + 3, mtime: 4102444800 }));
    b.add(tarEntry({ path: 'lien', type: 'symlink', linkname: 'données/café ☕.txt' }));
    b.add(tarEntry({ path: 'dur', type: 'hardlink', linkname: 'données/café ☕.txt' }));
    const t = b.table(2 ** 41 + 1536);
    const back = decodeLayerTable(encodeLayerTable(t))!;
    expect(back).toEqual(t);
    expect(back.paths[1]).toBe('données/café ☕.txt');
    expect(back.uids[0]).toBe(2 ** 33);
    expect(back.sizes[1]).toBe(2 ** 40 + 3);
    expect(back.links).toEqual({ 2: 'données/café ☕.txt', 3: 'données/café ☕.txt' });
  });

  it('refuse torn, foreign or other-version bytes instead of guessing', () => {
    const b = new LayerTableBuilder();
    b.add(tarEntry({ path: 'a', type: 'file', size: 1 }));
    const bytes = encodeLayerTable(b.table(2048));
    expect(decodeLayerTable(bytes.subarray(0, bytes.byteLength - 1))).toBeUndefined();
    expect(decodeLayerTable(new Uint8Array([...bytes, 0]))).toBeUndefined();
    expect(decodeLayerTable(new TextEncoder().encode('{"version":1}'))).toBeUndefined();
    const other = bytes.slice();
    other[3]++;
    expect(decodeLayerTable(other)).toBeUndefined();
  });
});
