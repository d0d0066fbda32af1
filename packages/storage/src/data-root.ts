import { FsVolumeStore } from './volumes/fs-volume-store.js';
import { readdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Codecs, EnginePorts, Hasher } from '@strata/core';
import { FsContentStore } from './content/fs-content-store.js';
import { ensureDirectory } from './fs/durable-file.js';
import { DataRootLock, removeLockStagingLeftovers } from './lock/data-root-lock.js';
import { FsMetadataStore } from './metadata/fs-metadata-store.js';
import { nodeCodecs } from './node/node-codecs.js';
import { nodeHasher } from './node/node-hasher.js';
import { nodeRandom } from './node/node-random.js';
import { systemClock } from './node/system-clock.js';

export interface OpenDataRootOptions {
  /** Take `<root>/strata.lock` (default true). Without it nothing is cleaned up either. */
  lock?: boolean;
  /** The API socket to record in the lock file for other front ends. */
  socket?: string;
  hasher?: Hasher;
  codecs?: Codecs;
  /**
   * Hash written blobs on a worker thread (default true). Commands that only read the store pass
   * false: the thread would cost a second isolate's start and memory for nothing.
   */
  hashThread?: boolean;
}

/** An opened data root: the engine's ports on it, and the lock that makes this process its owner. */
export interface DataRoot {
  root: string;
  ports: EnginePorts;
  content: FsContentStore;
  metadata: FsMetadataStore;
  lock: DataRootLock | undefined;
  /** Temp files of a previous owner that were removed on open. */
  removedLeftovers: string[];
  close(): Promise<void>;
}

/**
 * Open (creating if needed) a data root: `content/` (an OCI image layout), `metadata/`
 * (JSON records), `tmp/` (staging for both, same filesystem), `strata.lock`. Takes the lock
 * first, then removes whatever a crashed owner left in `tmp/`.
 */
export async function openDataRoot(dir: string, options: OpenDataRootOptions = {}): Promise<DataRoot> {
  const root = resolve(dir);
  await ensureDirectory(root);
  const lock = options.lock === false ? undefined : await DataRootLock.acquire(root, { socket: options.socket });
  try {
    const tempDir = join(root, 'tmp');
    await ensureDirectory(tempDir);
    const removedLeftovers: string[] = [];
    if (lock) {
      // Only the owner may clean: without the lock these could be another process's writes in flight.
      for (const name of await readdir(tempDir)) {
        await rm(join(tempDir, name), { recursive: true, force: true });
        removedLeftovers.push(name);
      }
      await removeLockStagingLeftovers(root, await readdir(root));
    }
    const hasher = options.hasher ?? nodeHasher;
    const content = new FsContentStore(join(root, 'content'), { tempDir, hasher, ...(options.hashThread === false ? { hashThread: false as const } : {}) });
    await content.init();
    const metadata = new FsMetadataStore(join(root, 'metadata'), { tempDir });
    await ensureDirectory(metadata.root);
    const ports: EnginePorts = {
      content,
      metadata,
      hasher,
      clock: systemClock,
      random: nodeRandom,
      codecs: options.codecs ?? nodeCodecs,
      volumes: new FsVolumeStore(join(root, 'volumes')),
    };
    let closed = false;
    return {
      root,
      ports,
      content,
      metadata,
      lock,
      removedLeftovers,
      async close() {
        if (closed) return;
        closed = true;
        await lock?.release();
      },
    };
  } catch (e) {
    await lock?.release();
    throw e;
  }
}

export { defaultDataRoot } from './data-root-location.js';
