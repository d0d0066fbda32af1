import type { NetworkEngine } from './network-api.js';
import type { NetworkService } from './networks.js';

export type { NetworkEngine } from './network-api.js';

const NETWORK_ENGINE_METHODS = ['listNetworks', 'inspectNetwork'] as const satisfies ReadonlyArray<keyof NetworkEngine>;

/** Give `target` the NetworkEngine methods of `service`. */
export function exposeNetworkEngine(target: object, service: NetworkService): void {
  for (const m of NETWORK_ENGINE_METHODS) Object.defineProperty(target, m, { value: service[m].bind(service), enumerable: false });
}
