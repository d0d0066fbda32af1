import { unavailable } from '../errors/index.js';

/** The default bridge network as Docker sets it up: `172.17.0.0/16`, gateway `.1`. */
export const BRIDGE_SUBNET = '172.17.0.0/16';
export const BRIDGE_GATEWAY = '172.17.0.1';
export const BRIDGE_PREFIX_LENGTH = 16;

const BASE = (172 << 24) | (17 << 16);
const SIZE = 1 << 16;

const toText = (n: number): string => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

/** The lowest free address of the bridge (`172.17.0.2` first), as Docker's IPAM hands them out. */
export function nextBridgeAddress(taken: ReadonlySet<string>): string {
  // .0 is the network, .1 the gateway, the last one broadcast.
  for (let i = 2; i < SIZE - 1; i++) {
    const ip = toText((BASE + i) >>> 0);
    if (!taken.has(ip)) return ip;
  }
  throw unavailable('no available IPv4 addresses on this network\'s address pools: bridge');
}

/** Docker's MAC for an address: `02:42` + the four address bytes (`02:42:ac:11:00:02`). */
export function macOfAddress(ip: string): string {
  return ['02', '42', ...ip.split('.').map((b) => Number(b).toString(16).padStart(2, '0'))].join(':');
}
