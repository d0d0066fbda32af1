import type { VolumeEngine } from './volume-api.js';
import type { VolumeService } from './volumes.js';

export type { VolumeEngine } from './volume-api.js';

const VOLUME_ENGINE_METHODS = ['createVolume', 'listVolumes', 'inspectVolume', 'removeVolume', 'pruneVolumes', 'volumeUsers'] as const satisfies ReadonlyArray<keyof VolumeEngine>;

/** Give `target` the VolumeEngine methods of `service` (the engine delegates its volume side). */
export function exposeVolumeEngine(target: object, service: VolumeService): void {
  for (const m of VOLUME_ENGINE_METHODS) Object.defineProperty(target, m, { value: service[m].bind(service), enumerable: false });
}
