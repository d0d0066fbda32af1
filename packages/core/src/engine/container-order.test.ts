import { describe, expect, it } from 'vitest';
import type { ContainerRecord } from '../lifecycle/index.js';
import { newestFirst } from './container-order.js';

const rec = (id: string, created: string) => ({ id, created }) as ContainerRecord;

describe('newestFirst', () => {
  it('orders by creation time to the nanosecond, newest first, then by ID', () => {
    const rows = [
      rec('b', '2026-11-30T08:00:00.100000001Z'),
      rec('a', '2026-11-30T08:00:01Z'),
      rec('c', '2026-11-30T08:00:00.100000002Z'),
      rec('e', '2026-11-30T07:59:59.9Z'),
      rec('d', '2026-11-30T08:00:00.100000002Z'),
    ];
    expect(newestFirst(rows).map((r) => r.id)).toEqual(['a', 'c', 'd', 'b', 'e']);
    expect(rows.map((r) => r.id)).toEqual(['b', 'a', 'c', 'e', 'd']);
  });
});
