import type { ContainerEngine, Engine, ImageEngine } from '@strata/core';

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
  >;
