import { describe, expect, it } from 'vitest';
import { collect, fixtureImages, readFixture, streamOf } from '../../test-support/node.js';
import { type TarEntry, TarHeaderScanner, readTar, tarEntry, writeTar } from './index.js';

/** Every layer.tar of a fixture archive, read with the streaming reader. */
async function fixtureLayers(name: string): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const e of readTar(streamOf(readFixture(`images/${name}/image.tar`)))) {
    if (e.path.endsWith('layer.tar')) out.push(await collect(e.body));
    else await e.body.cancel();
  }
  return out;
}

const fields = (e: TarEntry) => [e.path, e.type, e.rawMode, e.uid, e.gid, e.uname, e.gname, e.size, e.mtime, e.linkname, e.devmajor, e.devminor, Object.keys(e.pax).sort()];

function scan(bytes: Uint8Array, chunk: number): TarEntry[] {
  const seen: TarEntry[] = [];
  const s = new TarHeaderScanner((e) => seen.push(e));
  for (let i = 0; i < bytes.length; i += chunk) s.push(bytes.subarray(i, i + chunk));
  s.end();
  return seen;
}

describe('TarHeaderScanner', () => {
  it('reports the same headers as TarReader for every fixture layer, whatever the chunking', async () => {
    for (const name of fixtureImages) {
      for (const layer of await fixtureLayers(name)) {
        const want: unknown[] = [];
        for await (const e of readTar(streamOf(layer))) {
          want.push(fields(e));
          await e.body.cancel();
        }
        for (const chunk of [1, 511, 512, 65536]) {
          if (chunk === 1 && layer.length > 200_000) continue;
          expect(scan(layer, chunk).map(fields), `${name} chunk ${chunk}`).toEqual(want);
        }
      }
    }
  });

  it('reads PAX records (long names, xattrs) and GNU long names', async () => {
    const long = `dir/${'n'.repeat(150)}`;
    const tar = await collect(
      writeTar(
        [
          { ...tarEntry({ path: long, type: 'file', size: 3 }), body: new Uint8Array([1, 2, 3]) },
          { ...tarEntry({ path: 'cap', type: 'file', size: 0, pax: { 'SCHILY.xattr.security.capability': new Uint8Array([1, 0, 0x80, 0xff]) } }) },
        ],
        { mode: 'fresh' },
      ),
    );
    const seen = scan(tar, 100);
    expect(seen.map((e) => e.path)).toEqual([long, 'cap']);
    expect([...seen[1].pax['SCHILY.xattr.security.capability']]).toEqual([1, 0, 0x80, 0xff]);
  });

  it('rejects a cut archive and a corrupt header', async () => {
    const [, layer] = await fixtureLayers('02-whiteout'); // a Docker-built layer: no record padding after the two zero blocks
    for (const cut of [100, 512 + 7, layer.length - 1024 - 1]) expect(() => scan(layer.subarray(0, cut), 4096)).toThrow(/unexpected EOF/);
    const bad = layer.slice();
    bad[0] ^= 0xff;
    expect(() => scan(bad, 4096)).toThrow(/checksum/);
  });
});
