import type { TarWriteEntry } from '../layer/index.js';
import { batchedTar } from './container-tar-stream.js';
import type { ContainerFiles, FileEntry } from '../lifecycle/index.js';
import { initLayerChildren, initLayerStat } from './container-init-layer.js';
import { HardLinkGroups, dockerTarEntry, entryBody, joinTreePath } from './container-tar-entry.js';

/** Mount points whose contents are the mount's: exported as the init layer has them, never walked. */
const MOUNT_POINTS = new Set(['dev', 'proc', 'sys']);

/**
 * `docker export`: the container's root filesystem flattened into one tar, as dockerd writes it
 * (archive.Tar of the root: no entry for the root itself, depth-first in name order, Docker's
 * headers), with Docker's init layer placeholders (`.dockerenv`, `/dev/console`, `/etc/hosts`,
 * `/etc/mtab -> /proc/mounts`, ...) wherever the container has none of its own. `createdNs` dates them.
 */
export function exportContainerTar(files: ContainerFiles, createdNs: bigint): ReadableStream<Uint8Array> {
  return batchedTar(exportEntries(files, createdNs));
}

async function* exportEntries(files: ContainerFiles, createdNs: bigint): AsyncGenerator<TarWriteEntry> {
  const { root } = files;
  const links = new HardLinkGroups();

  async function childrenOf(dir: string): Promise<FileEntry[]> {
    const own = MOUNT_POINTS.has(dir.split('/', 1)[0]) ? [] : await root.list(dir);
    const names = new Set(own.map((c) => c.name));
    const placeholders = initLayerChildren(dir)
      .filter((name) => !names.has(name))
      .map((name) => ({ name, stat: initLayerStat(joinTreePath(dir, name), createdNs)! }));
    if (placeholders.length === 0) return own;
    return [...own, ...placeholders].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async function* walk(dir: string): AsyncGenerator<TarWriteEntry> {
    for (const child of await childrenOf(dir)) {
      const path = joinTreePath(dir, child.name);
      const entry = dockerTarEntry(path, child.stat, files, child.stat.kind === 'file' ? await root.xattrs(path) : undefined);
      if (!entry) continue;
      if (child.stat.kind === 'directory') {
        yield entry;
        yield* walk(path);
        continue;
      }
      const linked = links.link(entry, child.stat);
      yield linked.type === 'file' && linked.size > 0 && child.stat.ino !== 0n ? { ...linked, body: await entryBody(root, path, linked.size) } : linked;
    }
  }

  yield* walk('');
}
