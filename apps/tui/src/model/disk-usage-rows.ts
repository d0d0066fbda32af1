import type { ContainerSummary, DiskUsage } from '@strata/core';

/** One line of `docker system df`. */
export interface DiskUsageRow {
  type: string;
  total: number;
  active: number;
  size: number;
  reclaimable: number;
}

/** `docker system df`'s four rows: images, containers, local volumes, build cache, as the docker CLI adds them up. */
export function diskUsageRows(du: DiskUsage): DiskUsageRow[] {
  const images = du.Images ?? [];
  const activeImages = images.filter((i) => i.Containers > 0);
  // The CLI: reclaimable = total layer size minus what used images take (their unique size plus shared).
  const usedImageBytes = activeImages.reduce((sum, i) => sum + (i.SharedSize > 0 ? i.Size - i.SharedSize : i.Size), 0);
  const imageSize = du.LayersSize ?? images.reduce((sum, i) => sum + i.Size, 0);
  const containers = (du.Containers ?? []) as Array<Partial<ContainerSummary>>;
  const running = containers.filter((c) => c.State === 'running' || c.State === 'paused' || c.State === 'restarting');
  const containerSize = containers.reduce((sum, c) => sum + (c.SizeRw ?? 0), 0);
  const volumes = (du.Volumes ?? []) as Array<{ UsageData?: { Size?: number; RefCount?: number } }>;
  const volumeSize = volumes.reduce((sum, v) => sum + Math.max(0, v.UsageData?.Size ?? 0), 0);
  const unusedVolumeSize = volumes.filter((v) => (v.UsageData?.RefCount ?? 0) === 0).reduce((sum, v) => sum + Math.max(0, v.UsageData?.Size ?? 0), 0);
  const cache = (du.BuildCache ?? []) as Array<{ Size?: number; InUse?: boolean; Shared?: boolean }>;
  const cacheSize = cache.filter((c) => !c.Shared).reduce((sum, c) => sum + (c.Size ?? 0), 0);
  return [
    { type: 'Images', total: images.length, active: activeImages.length, size: imageSize, reclaimable: Math.max(0, imageSize - usedImageBytes) },
    { type: 'Containers', total: containers.length, active: running.length, size: containerSize, reclaimable: containers.filter((c) => !running.includes(c)).reduce((s, c) => s + (c.SizeRw ?? 0), 0) },
    { type: 'Local Volumes', total: volumes.length, active: volumes.filter((v) => (v.UsageData?.RefCount ?? 0) > 0).length, size: volumeSize, reclaimable: unusedVolumeSize },
    { type: 'Build Cache', total: cache.length, active: cache.filter((c) => c.InUse).length, size: cacheSize, reclaimable: cache.filter((c) => !c.InUse && !c.Shared).reduce((s, c) => s + (c.Size ?? 0), 0) },
  ];
}
