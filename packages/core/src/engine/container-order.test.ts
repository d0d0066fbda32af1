import { describe, expect, it } from 'vitest';
import type { ContainerRecord } from '../lifecycle/index.js';
import { newestFirst } from './container-order.js';
import { ContainerStore } from './container-store.js';
import { TestMetadataStore } from '../../test-support/memory.js';

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

describe('ContainerStore.newestFirst', () => {
  it('keeps the order between changes and sorts again after a put, a forget and a delete', async () => {
    const store = new ContainerStore(new TestMetadataStore());
    const full = (id: string, created: string) => ({ ...rec(id, created), hostConfig: {} }) as ContainerRecord;
    await store.put(full('a', '2026-11-30T08:00:01Z'));
    await store.put(full('b', '2026-11-30T08:00:02Z'));
    const first = await store.newestFirst();
    expect(first.map((r) => r.id)).toEqual(['b', 'a']);
    // Nothing changed: the same array, not sorted again.
    expect(await store.newestFirst()).toBe(first);
    await store.put(full('c', '2026-11-30T08:00:03Z'));
    expect((await store.newestFirst()).map((r) => r.id)).toEqual(['c', 'b', 'a']);
    await (await store.forget('b')).deleted;
    expect((await store.newestFirst()).map((r) => r.id)).toEqual(['c', 'a']);
    await store.delete('c');
    expect((await store.newestFirst()).map((r) => r.id)).toEqual(['a']);
  });
});
