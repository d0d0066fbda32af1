import type { Filters } from './api.js';

/** A network as `GET /networks/{id}` shows it (keys in dockerd's order). */
export interface NetworkInfo {
  Name: string;
  Id: string;
  Created: string;
  Scope: 'local';
  Driver: string;
  EnableIPv6: boolean;
  IPAM: { Driver: string; Options: null; Config: Array<{ Subnet: string; Gateway: string }> };
  Internal: boolean;
  Attachable: boolean;
  Ingress: boolean;
  ConfigFrom: { Network: string };
  ConfigOnly: boolean;
  Containers: Record<string, { Name: string; EndpointID: string; MacAddress: string; IPv4Address: string; IPv6Address: string }>;
  Options: Record<string, string>;
  Labels: Record<string, string>;
}

/** The network side of the engine: the built-in networks `bridge`, `host` and `none`. */
export interface NetworkEngine {
  listNetworks(options?: { filters?: Filters }): Promise<NetworkInfo[]>;
  /** By name, ID or unique ID prefix; `network NAME not found` otherwise. */
  inspectNetwork(name: string): Promise<NetworkInfo>;
}
