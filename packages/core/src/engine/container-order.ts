import type { ContainerRecord } from '../lifecycle/index.js';

/**
 * `docker ps` order: newest first by creation time (to the nanosecond: same-millisecond ties go by
 * the full timestamp), then by ID. Each record's time is parsed once, not once per comparison: for
 * 1,000 containers that is 1,000 parses instead of ~20,000.
 */
export function newestFirst(records: ContainerRecord[]): ContainerRecord[] {
  const keyed = records.map((r) => ({ r, ms: createdMs(r) }));
  keyed.sort((a, b) => b.ms - a.ms || order(b.r.created, a.r.created) || order(a.r.id, b.r.id));
  return keyed.map((k) => k.r);
}

/** Creation times parsed once per record: `docker ps` sorts on every call, and a record's `created` does not change. */
const parsedCreated = new WeakMap<ContainerRecord, { text: string; ms: number }>();

function createdMs(r: ContainerRecord): number {
  const known = parsedCreated.get(r);
  if (known?.text === r.created) return known.ms;
  const ms = Date.parse(r.created);
  parsedCreated.set(r, { text: r.created, ms });
  return ms;
}

const order = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
