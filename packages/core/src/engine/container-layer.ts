import { type TarWriteEntry, makeOpaque, makeWhiteout, tarEntry } from '../layer/index.js';
import { batchedTar } from './container-tar-stream.js';
import type { WrittenEntries } from './layer-ingest.js';
import type { ContainerFiles, FileEntry } from '../lifecycle/index.js';
import { isMountPlaceholder } from './container-init-layer.js';
import { CAPABILITY_XATTR, HardLinkGroups, dockerTarEntry, entryBody, joinTreePath } from './container-tar-entry.js';

const OPAQUE_XATTR = 'trusted.overlay.opaque';
const FILE_XATTRS = [CAPABILITY_XATTR];

/** A 0/0 character device: how overlayfs records a deletion in the upper dir. */
export const isWhiteoutDevice = (e: FileEntry): boolean => e.stat.kind === 'char' && e.stat.rdevMajor === 0 && e.stat.rdevMinor === 0;

/** True when the xattrs mark an overlay directory opaque (`trusted.overlay.opaque=y`). */
export const isOpaqueDirectory = (xattrs: Record<string, Uint8Array> | undefined): boolean => {
  const v = xattrs?.[OPAQUE_XATTR];
  return v !== undefined && v.length === 1 && v[0] === 0x79;
};

/**
 * The container's writable layer as a layer tar, the way dockerd's overlay2 driver writes it
 * (archive.TarWithOptions over the upper dir with the overlay whiteout converter): a depth-first
 * walk in name order, 0/0 devices become `.wh.<name>` (0600, regular), an opaque directory is
 * followed by `.wh..wh..opq` (its permission bits, mtime 0), the first path of a hard link group
 * carries the data. The mount placeholders of the runtime (Docker keeps those in its init layer)
 * are left out. An unchanged container gives the empty layer (1024 zero bytes).
 */
export function writableLayerTar(files: ContainerFiles, written?: WrittenEntries): ReadableStream<Uint8Array> {
  return batchedTar(written ? reported(writableLayerEntries(files), written) : writableLayerEntries(files));
}

async function* reported(entries: AsyncIterable<TarWriteEntry>, written: WrittenEntries): AsyncGenerator<TarWriteEntry> {
  for await (const e of entries) {
    written.add(e);
    yield e;
  }
}

async function* writableLayerEntries(files: ContainerFiles): AsyncGenerator<TarWriteEntry> {
  const { upper } = files;
  const links = new HardLinkGroups();

  const childrenOf = async (dir: string): Promise<FileEntry[]> =>
    (await upper.list(dir)).filter((c) => !isMountPlaceholder(joinTreePath(dir, c.name)) && c.stat.kind !== 'socket');

  async function* walk(dir: string, children: FileEntry[]): AsyncGenerator<TarWriteEntry> {
    for (const child of children) {
      const path = joinTreePath(dir, child.name);
      const { stat } = child;
      if (isWhiteoutDevice(child)) {
        yield tarEntry({ path: makeWhiteout(path), type: 'file', mode: 0o600, uid: stat.uid, gid: stat.gid, uname: files.userName(stat.uid), gname: files.groupName(stat.gid), mtime: Number(stat.mtimeNs / 1_000_000_000n) });
        continue;
      }
      // Docker reads the capability of every entry, the opaque marker of directories only.
      const own = stat.kind === 'symlink' ? undefined : await upper.xattrs(path, stat.kind === 'directory' ? undefined : FILE_XATTRS);
      const entry = dockerTarEntry(path, stat, files, own);
      if (!entry) continue;
      if (stat.kind === 'directory') {
        const grandchildren = await childrenOf(path);
        const opaque = isOpaqueDirectory(own);
        // A directory the runtime made only to hold its mount points (`/etc` of an image without one) is not a change.
        if (grandchildren.length === 0 && !opaque && (await upper.list(path)).length > 0) continue;
        yield entry;
        if (opaque) yield tarEntry({ path: makeOpaque(path), type: 'file', mode: stat.mode & 0o777, uid: stat.uid, gid: stat.gid, uname: entry.uname, gname: entry.gname, mtime: 0 });
        yield* walk(path, grandchildren);
        continue;
      }
      const linked = links.link(entry, stat);
      yield linked.type === 'file' && linked.size > 0 ? { ...linked, body: await entryBody(upper, path, linked.size) } : linked;
    }
  }

  yield* walk('', await childrenOf(''));
}
