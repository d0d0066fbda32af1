import { describe, expect, it } from 'vitest';
import { testPorts } from '../../test-support/memory.js';
import { directoryNode, type FsNode } from '../build/fs-tree.js';
import { tarBytes, tarEntry, type TarBytesEntry } from '../layer/index.js';
import { inOverlayForm, storeStepLayer } from './build-step-layer.js';
import { ingestLayer, ingestTarBytes } from './layer-ingest.js';

const text = (s: string) => new TextEncoder().encode(s);
const T = 1700000000;

function entries(): TarBytesEntry[] {
  const file = (path: string, body: string, more: Partial<TarBytesEntry> = {}): TarBytesEntry => ({
    ...tarEntry({ path, type: 'file', size: text(body).byteLength, mtime: T, uname: 'root', gname: 'root', ...more }),
    body: text(body),
  });
  return [
    tarEntry({ path: 'app/', type: 'directory', mtime: T, mode: 0o755, uname: 'root', gname: 'root' }),
    file('app/a.txt', 'hello\n', { uid: 1000, gid: 1000, mode: 0o600 }),
    file(`app/${'x'.repeat(150)}`, 'pax name\n'),
    file('app/cap', 'x'.repeat(700), { pax: { 'SCHILY.xattr.user.note': text('v') } }),
    tarEntry({ path: 'app/link', type: 'symlink', linkname: 'a.txt', mode: 0o777, mtime: T }),
  ];
}

const fileNode = (pax: Record<string, Uint8Array> = {}): FsNode => ({ type: 'file', mode: 0o644, uid: 0, gid: 0, size: 0, mtime: T, linkname: '', devmajor: 0, devminor: 0, pax, body: new Uint8Array() });

describe('a build step layer written in memory', () => {
  it('is recorded exactly as ingesting the same bytes as a stream records it', async () => {
    const tar = tarBytes(entries());
    const fromEntries = await ingestTarBytes(testPorts(), tar, entries());
    const scanned = await ingestLayer(testPorts(), tar);
    expect(fromEntries).toEqual(scanned);
    expect(fromEntries.entries).toBe(5);
    expect(fromEntries.size).toBe(6 + 9 + 700 + 5);
    expect(fromEntries.table?.paths).toEqual(['app', 'app/a.txt', `app/${'x'.repeat(150)}`, 'app/cap', 'app/link']);
  });

  it('is stored with no snapshot where the engine has no runtime', async () => {
    const ports = testPorts();
    const tar = tarBytes(entries());
    const { layer, snapshot } = await storeStepLayer(ports, tar, entries(), true);
    expect(snapshot).toBeUndefined();
    expect(await ports.content.readBytes(layer.blob)).toEqual(tar);
  });

  it('is in overlay form unless a name reads as a whiteout or a trusted xattr comes with it', () => {
    expect(inOverlayForm([{ path: 'app', node: directoryNode(T) }, { path: 'app/a.wh.txt', node: fileNode() }, { path: 'app/.whx', node: fileNode() }])).toBe(true);
    expect(inOverlayForm([{ path: 'app/.wh.gone', node: fileNode() }])).toBe(false);
    expect(inOverlayForm([{ path: '.wh..wh..opq', node: fileNode() }])).toBe(false);
    expect(inOverlayForm([{ path: 'f', node: fileNode({ 'SCHILY.xattr.user.x': text('1') }) }])).toBe(true);
    expect(inOverlayForm([{ path: 'f', node: fileNode({ 'SCHILY.xattr.trusted.overlay.opaque': text('y') }) }])).toBe(false);
  });
});
