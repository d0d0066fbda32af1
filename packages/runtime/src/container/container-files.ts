import type { ContainerFiles, RuntimeMount } from '@strata/core';
import { extractArchive } from './archive-extract.js';
import { hostOwnerNames } from './host-owners.js';
import { HostTree } from './host-tree.js';
import { LowerTree } from './lower-tree.js';
import { MountedTree, mountOf, mountedDirectories, readOnlyMount } from './mounted-tree.js';

/**
 * A container's files on disk: `upper` is its writable layer (the overlay upper dir), `lower`
 * its image's snapshots (top first) merged as overlayfs would, `merged` its mounted root, and
 * `mounts` the container's bind mounts (volumes), which docker cp reads and writes at their source.
 */
export function containerFilesOf(paths: { upper: string; lowers: readonly string[]; merged: string; mounts?: readonly RuntimeMount[] }): ContainerFiles {
  const mounts = mountedDirectories(paths.mounts);
  const root = new HostTree(paths.merged);
  const owners = hostOwnerNames();
  return {
    upper: new HostTree(paths.upper),
    lower: new LowerTree(paths.lowers),
    root,
    ...(mounts.length > 0 ? { mountedRoot: new MountedTree(root, mounts) } : {}),
    userName: owners.userName,
    groupName: owners.groupName,
    extract: async (dir, tar, options) => {
      // Into a volume or bind mount: its source, as Docker writes there through the container's mounts.
      const found = mountOf(mounts, dir);
      if (!found) return extractArchive(paths.merged, dir, tar, options);
      if (found.mount.readOnly) {
        await tar.cancel().catch(() => undefined);
        throw readOnlyMount();
      }
      return extractArchive(found.mount.tree.dir, found.rest, tar, options);
    },
  };
}
