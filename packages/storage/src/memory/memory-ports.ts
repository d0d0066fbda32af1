import type { EnginePorts, Hasher } from '@strata/core';
import { nodeCodecs } from '../node/node-codecs.js';
import { nodeHasher } from '../node/node-hasher.js';
import { ManualClock } from './manual-clock.js';
import { MemoryContentStore } from './memory-content-store.js';
import { MemoryMetadataStore } from './memory-metadata-store.js';
import { SeededRandom } from './seeded-random.js';

/** EnginePorts for unit tests: memory stores, a clock that moves only on `advance`, seeded randomness, real codecs. */
export interface MemoryPorts extends EnginePorts {
  content: MemoryContentStore;
  metadata: MemoryMetadataStore;
  clock: ManualClock;
  random: SeededRandom;
}

/** Fresh in-memory ports (nothing shared between calls). */
export function memoryPorts(hasher: Hasher = nodeHasher): MemoryPorts {
  return {
    content: new MemoryContentStore(hasher),
    metadata: new MemoryMetadataStore(),
    hasher,
    clock: new ManualClock(),
    random: new SeededRandom(),
    codecs: nodeCodecs,
  };
}
