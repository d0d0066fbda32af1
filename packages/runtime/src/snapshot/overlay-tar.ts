import {
  bodyLength,
  cleanEntryPath,
  freshHeaderBlocks,
  isAufsMetadata,
  isOpaque,
  isWhiteout,
  opaqueDirectory,
  readTar,
  tarEntry,
  whiteoutTarget,
  type TarEntry,
} from '@strata/core';

const BLOCK = 512;
const OPAQUE_XATTR = 'SCHILY.xattr.trusted.overlay.opaque';
const encoder = new TextEncoder();

/** A record the layer itself carries and GNU tar would apply as overlay state: only our own may reach tar. */
const isTrustedXattr = (key: string): boolean => key.startsWith('SCHILY.xattr.trusted.');

const concat = (parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  parts.reduce((o, p) => (out.set(p, o), o + p.byteLength), 0);
  return out;
};

const zeros = (n: number): Uint8Array => new Uint8Array(n);

/**
 * A layer tar rewritten into overlayfs form for GNU tar (runtime-recipes §1a): `.wh.NAME` becomes
 * a 0:0 char device `NAME`, `.wh..wh..opq` becomes the directory's entry again with the xattr
 * `trusted.overlay.opaque=y`, AUFS bookkeeping is dropped, and so are `trusted.*` xattrs the layer
 * carries itself. Every other entry passes through with its own header bytes.
 */
export async function* overlayFormTar(layer: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const directories = new Map<string, Pick<TarEntry, 'mode' | 'uid' | 'gid' | 'mtime' | 'uname' | 'gname'>>();
  for await (const entry of readTar(layer)) {
    if (entry.type === 'pax-global') {
      // Global records would apply to our synthetic entries too; Docker never writes them into layers.
      await entry.body.cancel();
      continue;
    }
    const clean = cleanEntryPath(entry.path);
    if (isAufsMetadata(entry.path)) {
      await entry.body.cancel();
      continue;
    }
    if (isOpaque(entry.path)) {
      await entry.body.cancel();
      const dir = opaqueDirectory(entry.path);
      const own = directories.get(dir);
      const header = tarEntry({
        path: dir === '.' ? './' : `${dir}/`,
        type: 'directory',
        mode: own?.mode ?? 0o755,
        uid: own?.uid ?? 0,
        gid: own?.gid ?? 0,
        uname: own?.uname ?? '',
        gname: own?.gname ?? '',
        mtime: own?.mtime ?? entry.mtime,
        pax: { [OPAQUE_XATTR]: encoder.encode('y') },
      });
      yield concat(freshHeaderBlocks(header));
      continue;
    }
    if (isWhiteout(entry.path)) {
      await entry.body.cancel();
      yield concat(freshHeaderBlocks(tarEntry({ path: whiteoutTarget(entry.path), type: 'char', mode: 0, mtime: entry.mtime })));
      continue;
    }
    if (entry.type === 'directory') {
      directories.set(clean, { mode: entry.mode, uid: entry.uid, gid: entry.gid, mtime: entry.mtime, uname: entry.uname, gname: entry.gname });
    }
    const foreign = Object.keys(entry.pax).filter(isTrustedXattr);
    if (foreign.length > 0 || !entry.raw) {
      const pax = Object.fromEntries(Object.entries(entry.pax).filter(([key]) => !isTrustedXattr(key)));
      yield concat(freshHeaderBlocks({ ...entry, pax }));
    } else {
      yield entry.raw.header;
    }
    if (bodyLength(entry) === 0) {
      await entry.body.cancel();
      continue;
    }
    let written = 0;
    for await (const chunk of entry.body as unknown as AsyncIterable<Uint8Array>) {
      written += chunk.byteLength;
      yield chunk;
    }
    const pad = (BLOCK - (written % BLOCK)) % BLOCK;
    if (pad > 0) yield zeros(pad);
  }
  yield zeros(2 * BLOCK);
}
