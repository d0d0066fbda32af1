import type { ContainerFiles } from '@strata/core';
import { extractArchive } from './archive-extract.js';
import { hostOwnerNames } from './host-owners.js';
import { HostTree } from './host-tree.js';
import { LowerTree } from './lower-tree.js';

/**
 * A container's files on disk: `upper` is its writable layer (the overlay upper dir), `lower`
 * its image's snapshots (top first) merged as overlayfs would, `merged` its mounted root.
 */
export function containerFilesOf(paths: { upper: string; lowers: readonly string[]; merged: string }): ContainerFiles {
  const root = new HostTree(paths.merged);
  const owners = hostOwnerNames();
  return {
    upper: new HostTree(paths.upper),
    lower: new LowerTree(paths.lowers),
    root,
    userName: owners.userName,
    groupName: owners.groupName,
    extract: (dir, tar, options) => extractArchive(paths.merged, dir, tar, options),
  };
}
