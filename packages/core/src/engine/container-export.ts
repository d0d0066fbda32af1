import type { TarWriteEntry } from '../layer/index.js';
import { batchedTar } from './container-tar-stream.js';
import type { ContainerFiles, FileEntry } from '../lifecycle/index.js';
import { initLayerChildren, initLayerStat } from './container-init-layer.js';
import { HardLinkGroups, dockerTarEntry, entryBody, joinTreePath } from './container-tar-entry.js';

/** A directory entry of the export: the container's own, or an init layer placeholder. */
type ExportChild = FileEntry & { placeholder?: boolean };

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

  /** `dir`'s entries; a directory only the init layer has (`/etc` of an image without one) has none of its own yet. */
  async function childrenOf(dir: string, placeholder: boolean): Promise<ExportChild[]> {
    const own: ExportChild[] = placeholder || MOUNT_POINTS.has(dir.split('/', 1)[0]) ? [] : await root.list(dir);
    const names = new Set(own.map((c) => c.name));
    const placeholders = initLayerChildren(dir)
      .filter((name) => !names.has(name))
      .map((name) => ({ name, stat: initLayerStat(joinTreePath(dir, name), createdNs)!, placeholder: true }));
    if (placeholders.length === 0) return own;
    return [...own, ...placeholders].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async function* walk(dir: string, placeholder: boolean): AsyncGenerator<TarWriteEntry> {
    for (const child of await childrenOf(dir, placeholder)) {
      const path = joinTreePath(dir, child.name);
      const entry = dockerTarEntry(path, child.stat, files, child.stat.kind === 'file' ? await root.xattrs(path) : undefined);
      if (!entry) continue;
      if (child.stat.kind === 'directory') {
        yield entry;
        yield* walk(path, child.placeholder === true);
        continue;
      }
      const linked = links.link(entry, child.stat);
      yield linked.type === 'file' && linked.size > 0 && child.stat.ino !== 0n ? { ...linked, body: await entryBody(root, path, linked.size) } : linked;
    }
  }

  yield* walk('', false);
}
