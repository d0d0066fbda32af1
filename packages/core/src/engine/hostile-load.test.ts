import { beforeEach, describe, expect, it } from 'vitest';
import { sha256Of } from '../digest/index.js';
import { type TarWriteEntry, tarEntry, writeTar } from '../layer/index.js';
import { testPorts } from '../../test-support/memory.js';
import { collect, nodeHasher, readFixture, streamOf } from '../../test-support/node.js';
import { createEngine, type Engine } from './index.js';

const enc = new TextEncoder();
const file = (path: string, body: Uint8Array | string): TarWriteEntry => {
  const bytes = typeof body === 'string' ? enc.encode(body) : body;
  return { ...tarEntry({ path, type: 'file', size: bytes.byteLength }), body: bytes };
};
const tar = async (entries: TarWriteEntry[]) => collect(writeTar(entries, { mode: 'fresh' }));

/** A minimal valid image: one layer with one file, its config, and the manifest.json pointing at them. */
async function imageParts(layerEntries: TarWriteEntry[] = [file('hello.txt', 'hi\n')]) {
  const layer = await tar(layerEntries);
  const diffId = sha256Of(nodeHasher, layer);
  const config = enc.encode(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [diffId] }, history: [{ created_by: 'test' }] }));
  const configId = sha256Of(nodeHasher, config);
  return { layer, diffId, config, configId };
}

describe('load rejects hostile archives and leaves the store as it was', () => {
  let ports: ReturnType<typeof testPorts>;
  let engine: Engine;
  let snapshot: () => string;
  beforeEach(async () => {
    ports = testPorts();
    engine = createEngine(ports);
    await engine.loadImages(streamOf(readFixture('images/01-base/image.tar')));
    snapshot = () => JSON.stringify([[...ports.content.blobs.keys()].sort(), [...ports.metadata.data].sort(), ports.content.index]);
  });

  async function rejects(archive: Uint8Array, message: RegExp) {
    const before = snapshot();
    await expect(engine.loadImages(streamOf(archive))).rejects.toThrow(message);
    expect(snapshot()).toBe(before);
  }

  it('a sound archive made the same way loads (the control case)', async () => {
    const p = await imageParts();
    const archive = await tar([file('l/layer.tar', p.layer), file('c.json', p.config), file('manifest.json', JSON.stringify([{ Config: 'c.json', RepoTags: ['ok:1'], Layers: ['l/layer.tar'] }]))]);
    expect((await engine.loadImages(streamOf(archive))).messages).toEqual(['Loaded image: ok:1']);
  });

  it('member names with ../ or absolute paths', async () => {
    await rejects(await tar([file('../evil', 'x')]), /points outside the archive/);
    await rejects(await tar([file('/etc/evil', 'x')]), /absolute path/);
  });

  it('manifest.json pointing outside the archive or at nothing', async () => {
    const p = await imageParts();
    const base = [file('l/layer.tar', p.layer), file('c.json', p.config)];
    await rejects(await tar([...base, file('manifest.json', JSON.stringify([{ Config: '../../etc/passwd', Layers: ['l/layer.tar'] }]))]), /points outside the archive/);
    await rejects(await tar([...base, file('manifest.json', JSON.stringify([{ Config: 'c.json', Layers: ['nope/layer.tar'] }]))]), /no such file in the archive/);
    // a symlink in the archive that escapes it
    const link: TarWriteEntry = { ...tarEntry({ path: 'l2', type: 'symlink', linkname: '../../../etc' }) };
    await rejects(await tar([...base, link, file('manifest.json', JSON.stringify([{ Config: 'c.json', Layers: ['l2/layer.tar'] }]))]), /outside the archive/);
  });

  it('a layer whose diffID does not match the config', async () => {
    const p = await imageParts();
    const other = await tar([file('other.txt', 'different\n')]);
    await rejects(
      await tar([file('l/layer.tar', other), file('c.json', p.config), file('manifest.json', JSON.stringify([{ Config: 'c.json', Layers: ['l/layer.tar'] }]))]),
      /invalid diffID for layer 0/,
    );
  });

  it('a layer with ../ entries or a hard link leaving the layer', async () => {
    for (const bad of [file('../../etc/passwd', 'root::0:0'), { ...tarEntry({ path: 'x', type: 'hardlink', linkname: '../../etc/shadow' }) }]) {
      const p = await imageParts([bad as TarWriteEntry]);
      await rejects(
        await tar([file('l/layer.tar', p.layer), file('c.json', p.config), file('manifest.json', JSON.stringify([{ Config: 'c.json', Layers: ['l/layer.tar'] }]))]),
        /outside of the layer root/,
      );
    }
  });

  it('broken, deep and huge-number JSON', async () => {
    const p = await imageParts();
    const withManifest = async (m: string, config = p.config) => tar([file('l/layer.tar', p.layer), file('c.json', config), file('manifest.json', m)]);
    await rejects(await withManifest('[{"Config": "c.json", '), /manifest.json: invalid JSON/);
    await rejects(await withManifest('['.repeat(100000) + ']'.repeat(100000)), /nested deeper than 64/);
    await rejects(await withManifest(JSON.stringify({ Config: 'c.json' })), /manifest.json/);
    const hugeConfig = enc.encode(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [p.diffId] } }).replace('"os"', '"size":1e999,"os"'));
    // unknown huge numbers are harmless; a huge number where a size belongs is not
    await expect(engine.loadImages(streamOf(await withManifest(JSON.stringify([{ Config: 'c.json', Layers: ['l/layer.tar'] }]), hugeConfig)))).resolves.toBeTruthy();
    const index = JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: p.configId, size: 1e999 }] });
    await rejects(await tar([file('oci-layout', '{"imageLayoutVersion":"1.0.0"}'), file('index.json', index)]), /index.json/);
  });

  it('an archive cut short', async () => {
    const good = readFixture('images/02-whiteout/image.tar');
    for (const cut of [100, 512 * 3 + 7, good.byteLength - 5000, good.byteLength - 1024 - 1]) {
      await rejects(good.subarray(0, cut), /unexpected EOF|no manifest|neither manifest|no such file/);
    }
  });
});
