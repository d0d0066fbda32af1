import type { ContainerSummary, DiskUsage } from '@strata/core';

/** The kinds of things a prune removes, in the Disk usage panel's order. */
export type PruneKind = 'images' | 'containers' | 'volumes' | 'buildCache';

/** The Disk usage panel's rows, in order (the `docker system df` rows). */
export const pruneKinds: readonly PruneKind[] = ['images', 'containers', 'volumes', 'buildCache'];

/** What `docker system prune`'s parts remove: dangling images, stopped containers, unused volumes, build cache. */
export const pruneWords: Record<PruneKind, string> = {
  images: 'dangling images',
  containers: 'stopped containers',
  volumes: 'unused volumes',
  buildCache: 'build cache',
};

/** States `docker container prune` removes. */
export const stoppedStates = new Set(['exited', 'created', 'dead']);

/**
 * Bytes each prune frees, counted as the engine will: a dangling image without containers frees
 * what it does not share, a stopped container its writable layer, an unused volume its data,
 * build cache what no build uses.
 */
export function pruneEstimate(du: DiskUsage): Record<PruneKind, { count: number; bytes: number }> {
  const dangling = (du.Images ?? []).filter((i) => (i.RepoTags ?? []).filter((t) => t !== '<none>:<none>').length === 0 && i.Containers <= 0);
  const stopped = ((du.Containers ?? []) as Array<Partial<ContainerSummary>>).filter((c) => stoppedStates.has(c.State ?? ''));
  const volumes = ((du.Volumes ?? []) as Array<{ UsageData?: { Size?: number; RefCount?: number } }>).filter((v) => (v.UsageData?.RefCount ?? 0) === 0);
  const cache = ((du.BuildCache ?? []) as Array<{ Size?: number; InUse?: boolean }>).filter((c) => !c.InUse);
  return {
    images: { count: dangling.length, bytes: dangling.reduce((n, i) => n + Math.max(0, i.Size - Math.max(0, i.SharedSize)), 0) },
    containers: { count: stopped.length, bytes: stopped.reduce((n, c) => n + (c.SizeRw ?? 0), 0) },
    volumes: { count: volumes.length, bytes: volumes.reduce((n, v) => n + Math.max(0, v.UsageData?.Size ?? 0), 0) },
    buildCache: { count: cache.length, bytes: cache.reduce((n, c) => n + (c.Size ?? 0), 0) },
  };
}
