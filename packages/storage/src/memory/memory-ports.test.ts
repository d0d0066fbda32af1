import { describe, expect, it } from 'vitest';
import { sha256OfText } from '@strata/core';
import { collect, readFixtureBlob, sha256Hex, streamOf } from '../testing/fixture-files.js';
import { MANUAL_CLOCK_START } from './manual-clock.js';
import { memoryPorts } from './memory-ports.js';
import { SeededRandom } from './seeded-random.js';

describe('memoryPorts', () => {
  it('has a clock that moves only when told', () => {
    const { clock } = memoryPorts();
    expect(clock.now()).toBe(MANUAL_CLOCK_START);
    expect(new Date(clock.now()).toISOString()).toBe('2024-01-01T00:00:00.000Z');
    clock.advance(1500);
    expect(clock.now()).toBe(MANUAL_CLOCK_START + 1500);
    clock.set(0);
    expect(clock.now()).toBe(0);
  });

  it('has randomness that repeats per seed and differs between seeds', () => {
    const a = memoryPorts().random.bytes(32);
    const b = memoryPorts().random.bytes(32);
    expect(a).toEqual(b);
    expect(new Set(a).size).toBeGreaterThan(16);
    expect(new SeededRandom(2).bytes(32)).not.toEqual(a);
    const r = new SeededRandom(7);
    expect(r.bytes(8)).not.toEqual(r.bytes(8));
  });

  it('gives fresh stores each time, a real hasher and real codecs', async () => {
    const one = memoryPorts();
    const two = memoryPorts();
    await one.content.write(new Uint8Array([1, 2, 3]));
    await one.metadata.put('tags', 'a', 1);
    expect(await two.content.list()).toEqual([]);
    expect(await two.metadata.list('tags')).toEqual([]);
    expect(sha256OfText(one.hasher, 'abc')).toBe('sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const layer = await readFixtureBlob('0d733fea8f7dadcc93a60bd80b3b1a2d1d54ff8bed69711bf736915d906f5afe');
    const tar = await collect(streamOf(layer).pipeThrough(one.codecs.decompress('gzip')));
    const again = await collect(streamOf(tar).pipeThrough(one.codecs.compress!('gzip')).pipeThrough(one.codecs.decompress('gzip')));
    expect(sha256Hex(again)).toBe(sha256Hex(tar));
  });
});
