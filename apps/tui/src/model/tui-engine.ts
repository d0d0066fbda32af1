import type { ContainerEngine, ContainerFilesEngine, Engine, ImageEngine } from '@strata/core';

/**
 * What the app asks of an engine: the embedded one (`createEngine`) or the Docker API client
 * (`client/api-engine.ts`) for stratad or a real dockerd. `analyzeImage` is strata's own.
 */
export type TuiEngine = Pick<
  ImageEngine,
  'listImages' | 'inspectImage' | 'imageHistory' | 'tagImage' | 'removeImage' | 'loadImages' | 'diskUsage' | 'events'
> &
  Pick<
    ContainerEngine,
    | 'createContainer'
    | 'startContainer'
    | 'stopContainer'
    | 'restartContainer'
    | 'killContainer'
    | 'pauseContainer'
    | 'unpauseContainer'
    | 'removeContainer'
    | 'listContainers'
    | 'inspectContainer'
    | 'containerLogs'
    | 'topContainer'
  > &
  Partial<Pick<Engine, 'analyzeImage' | 'listVolumes' | 'inspectVolume' | 'removeVolume' | 'volumeUsers'>> &
  // The Containers panel's Diff, Stats, commit, shell and attach (see container-session.ts).
  Partial<
    Pick<
      Engine,
      'containerChanges' | 'commitContainer' | 'containerStats' | 'createExec' | 'startExec' | 'resizeExec' | 'inspectExec' | 'attachContainer' | 'resizeContainer'
    >
  > &
  ImageWorkEngine;

/**
 * The Images, Volumes and Disk-usage work of the app (pull, build, save, prune, extract); each is
 * optional so an engine without it (no registry, no runtime) still runs the rest of the app.
 */
export type ImageWorkEngine = Partial<
  Pick<Engine, 'pullImage' | 'buildImage' | 'saveImages' | 'pruneImages' | 'createVolume' | 'pruneVolumes'> & Pick<ContainerFilesEngine, 'archiveContainerPath'>
> & {
  /** `POST /build/prune` (dockerd's BuildKit cache); strata's classic builder keeps no separate cache. */
  pruneBuildCache?(): Promise<{ CachesDeleted: string[] | null; SpaceReclaimed: number }>;
};
