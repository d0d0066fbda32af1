import { DataRootInUseError } from '@strata/storage';
import { ApiEngine } from '../client/api-engine.js';
import { formatDockerHost, parseDockerHost, type DockerHost } from '../client/docker-host.js';
import type { TuiEngine } from '../model/tui-engine.js';
import { explainOpenFailure, openEmbeddedEngine } from './data-root-engine.js';

/** The engine the app runs on, what to tell the user about it, and how to let it go. */
export interface EngineSource {
  engine: TuiEngine;
  /** `embedded engine on DIR` or `client of unix:///...`. */
  description: string;
  /** Why containers cannot run (embedded engine without runc/conmon). */
  containersDisabled?: string;
  close(): Promise<void>;
}

export interface EngineChoice {
  dataRoot?: string;
  /** `-H`. */
  host?: string;
  /** $DOCKER_HOST, used when neither -H nor --data-root is given. */
  dockerHostEnv?: string;
}

async function client(host: DockerHost, why: string): Promise<EngineSource> {
  const engine = new ApiEngine(host);
  await engine.ping();
  return { engine, description: `${why}client of ${formatDockerHost(host)}`, close: async () => undefined };
}

/**
 * Picks the engine: `-H` (or DOCKER_HOST without --data-root) makes the app a Docker API client;
 * otherwise it embeds the engine on the data root, and when another process owns that data root
 * and recorded its API socket in the lock (stratad does), it becomes that process's client.
 * Throws with a message for the user when none works.
 */
export async function openEngineSource(choice: EngineChoice): Promise<EngineSource> {
  const hostValue = choice.host ?? (choice.dataRoot === undefined && choice.dockerHostEnv ? choice.dockerHostEnv : undefined);
  if (hostValue !== undefined) return client(parseDockerHost(hostValue), '');
  try {
    const embedded = await openEmbeddedEngine(choice.dataRoot, { withRuntime: true });
    return {
      engine: embedded.engine,
      description: `embedded engine on ${embedded.root}`,
      ...(embedded.containersDisabled !== undefined ? { containersDisabled: embedded.containersDisabled } : {}),
      close: () => embedded.close(),
    };
  } catch (e) {
    if (e instanceof DataRootInUseError && e.owner.socket) {
      try {
        return await client({ kind: 'unix', path: e.owner.socket }, `data root ${e.root} is owned by process ${e.owner.pid}: `);
      } catch (reason) {
        throw new Error(`${e.message}, and its socket unix://${e.owner.socket} does not answer: ${(reason as Error).message}`);
      }
    }
    throw new Error(explainOpenFailure(e, choice.dataRoot));
  }
}
