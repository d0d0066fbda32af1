import type { PortBinding } from '../lifecycle/index.js';

/** One container's place on the bridge. */
export interface BridgeEndpoint {
  ipAddress: string;
  macAddress: string;
  gateway: string;
  prefixLength: number;
}

/**
 * Port: the default bridge network for real (`@strata/runtime`: a bridge in a network namespace
 * of the engine's own, one namespace per container, published ports as host listeners that
 * forward into that namespace). The engine decides addresses; the port wires them.
 */
export interface NetworkPort {
  /** Host address a binding without one listens on (dockerd's `--ip`; loopback unless configured). */
  readonly defaultHostIp: string;
  /** Whether the bridge can be built here; when not, a reason (containers then get loopback only). */
  available(): Promise<{ ok: true } | { ok: false; reason: string }>;
  /** Path of the container's network namespace (`SandboxKey`); known before `attach`. */
  sandboxKey(id: string): string;
  /** Make the container's namespace with its veth on the bridge at `endpoint`. */
  attach(id: string, endpoint: BridgeEndpoint): Promise<void>;
  /**
   * Listen on every binding's host address and forward into `ipAddress`; all or nothing.
   * Returns the bindings with random host ports filled in and `hostIp` as bound.
   */
  publish(id: string, ipAddress: string, bindings: PortBinding[]): Promise<PortBinding[]>;
  /** Stop forwarding, remove the veth and the namespace; idempotent. */
  detach(id: string): Promise<void>;
  /** IDs of containers that have a namespace now (for re-adoption after a restart). */
  attached(): Promise<string[]>;
  /** Stop forwarding (the engine is closing; containers keep their namespaces). */
  close?(): Promise<void>;
}
