import type { ContainerSummary } from '@strata/core';
import { createdSince, shortId } from '../format/index.js';

/** One line of the Containers panel. */
export interface ContainerRow {
  /** Full container ID: stable across refreshes, what actions and details are asked for. */
  id: string;
  name: string;
  image: string;
  /** `running`, `exited`, `paused`, `created`, ... */
  state: string;
  ports: string;
  /** Seconds since the epoch. */
  created: number;
}

/** The PORTS column as `docker ps` writes it: `127.0.0.1:8080->80/tcp, 443/tcp`. */
export function portsText(ports: ContainerSummary['Ports']): string {
  const sorted = [...ports].sort((a, b) => a.PrivatePort - b.PrivatePort || (a.PublicPort ?? 0) - (b.PublicPort ?? 0));
  return sorted
    .map((p) => (p.PublicPort !== undefined ? `${p.IP && p.IP !== '' ? (p.IP.includes(':') ? `[${p.IP}]` : p.IP) : '0.0.0.0'}:${p.PublicPort}->${p.PrivatePort}/${p.Type}` : `${p.PrivatePort}/${p.Type}`))
    .join(', ');
}

/** What a row is made of: the fields of a `docker ps` entry the Containers panel shows. */
export type ContainerListing = Pick<ContainerSummary, 'Id' | 'Names' | 'Image' | 'State' | 'Ports' | 'Created'>;

/** One row per container, newest first as `docker ps -a` lists them. */
export function containerRows(containers: ContainerListing[]): ContainerRow[] {
  return [...containers]
    .sort((a, b) => b.Created - a.Created)
    .map((c) => ({
      id: c.Id,
      name: (c.Names[0] ?? '').replace(/^\//, '') || shortId(c.Id),
      image: c.Image,
      state: c.State,
      ports: portsText(c.Ports ?? []),
      created: c.Created,
    }));
}

/** Column titles of the Containers panel. */
export const containerColumns = ['STATE', 'NAME', 'IMAGE', 'PORTS', 'CREATED'];

const stateMarks: Record<string, string> = { running: '▶', paused: '‖', exited: '■', created: '○', restarting: '↻', dead: '✗', removing: '✗' };

/** The cells of a row at time `now` (milliseconds). */
export function containerCells(row: ContainerRow, now: number): string[] {
  return [`${stateMarks[row.state] ?? '?'} ${row.state}`, row.name, row.image, row.ports, createdSince(row.created, now)];
}

/** The colour of a state in the list. */
export function stateColor(state: string): string {
  return state === 'running' ? 'green' : state === 'paused' ? 'yellow' : state === 'exited' || state === 'dead' ? 'red' : 'gray';
}
