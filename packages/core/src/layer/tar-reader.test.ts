import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collect, nodeHasher, readFixture, streamOf } from '../../test-support/node.js';
import { sha256Of } from '../digest/index.js';
import { readTar, tarEntry, writeTar } from './index.js';

/** The busybox base layer (1,982,256-byte file among symlinks), from 01-base. */
async function baseLayer(): Promise<Uint8Array> {
  for await (const e of readTar(streamOf(readFixture('images/01-base/image.tar')))) {
    if (e.path.endsWith('/layer.tar')) return collect(e.body);
  }
  throw new Error('no layer');
}

/** A source stream that counts how many bytes were pulled from it. */
function counted(bytes: Uint8Array, chunk: number) {
  const inner = streamOf(bytes, chunk).getReader();
  const meter = { pulled: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>({
    async pull(c) {
      const { done, value } = await inner.read();
      if (done) return c.close();
      meter.pulled += value.length;
      c.enqueue(value);
    },
    cancel: () => {
      meter.cancelled = true;
    },
  }, { highWaterMark: 0 });
  return { stream, meter };
}

describe('TarReader', () => {
  it('skips unread bodies without handing them out, and a skipped body errors if read later', async () => {
    const tar = await baseLayer();
    const reader = readTar(streamOf(tar, 65536));
    const bodies = [];
    const paths: string[] = [];
    for await (const e of reader) {
      paths.push(e.path);
      bodies.push(e.body);
    }
    expect(paths).toContain('./bin/busybox');
    expect(reader.offset).toBe(tar.length);
    const busybox = bodies[paths.indexOf('./bin/busybox')];
    await expect(collect(busybox)).rejects.toMatchObject({ message: expect.stringMatching(/body skipped/) });
  });

  it('stops pulling the source when the consumer stops, and cancels it', async () => {
    const tar = await baseLayer();
    const { stream, meter } = counted(tar, 4096);
    for await (const e of readTar(stream)) {
      if (e.path === './bin/') break;
    }
    expect(meter.pulled).toBeLessThanOrEqual(4096);
    expect(meter.cancelled).toBe(true);
  });

  it('lets a body be read after leaving the loop with it', async () => {
    const tar = await baseLayer();
    const { stream, meter } = counted(tar, 65536);
    const busybox = await (async () => {
      for await (const e of readTar(stream)) if (e.path === './bin/busybox') return collect(e.body);
      throw new Error('missing');
    })();
    expect(busybox.length).toBe(1982256);
    expect(meter.cancelled).toBe(true);
  });

  it('serialises next() with a body read in flight', async () => {
    const tar = await baseLayer();
    const reader = readTar(streamOf(tar, 1000));
    let entry = (await reader.next()).value!;
    while (entry.path !== './bin/busybox') {
      await entry.body.cancel();
      entry = (await reader.next()).value!;
    }
    const bodyReader = entry.body.getReader();
    const pending = bodyReader.read();
    const next = await reader.next();
    expect((await pending).value!.length).toBeGreaterThan(0);
    expect(next.value!.path).toBe('./bin/mkdir');
  });

  it('returns a PAX global header as an entry of its own, and GNU tar reads past it', async () => {
    const bytes = await collect(
      writeTar(
        [
          tarEntry({ path: '', type: 'pax-global', pax: { comment: new TextEncoder().encode('made by strata') } }),
          { ...tarEntry({ path: 'a', type: 'file', size: 2 }), body: new TextEncoder().encode('a\n') },
        ],
        { mode: 'fresh' },
      ),
    );
    const entries = [];
    for await (const e of readTar(streamOf(bytes, 511))) entries.push({ path: e.path, type: e.type, body: await collect(e.body), pax: e.pax });
    expect(entries[0]).toMatchObject({ path: 'GlobalHead.0.0', type: 'pax-global', body: new Uint8Array(0) });
    expect(new TextDecoder().decode(entries[0].pax.comment)).toBe('made by strata');
    expect(entries[1]).toMatchObject({ path: 'a', type: 'file', pax: {} });
    const dir = mkdtempSync(join(tmpdir(), 'strata-layer-g-'));
    try {
      writeFileSync(join(dir, 'g.tar'), bytes);
      expect(execFileSync('tar', ['-tf', join(dir, 'g.tar')], { encoding: 'utf8' })).toBe('a\n');
      // Re-encoding the decoded stream raw gives the same bytes.
      const reader = readTar(streamOf(bytes));
      expect(sha256Of(nodeHasher, await collect(writeTar(reader, { mode: 'raw', trailer: () => reader.trailer })))).toBe(sha256Of(nodeHasher, bytes));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('accepts an archive that ends without end-of-archive blocks, as Go does', async () => {
    const bytes = await collect(writeTar([tarEntry({ path: 'd/', type: 'directory' })], { mode: 'fresh', trailer: new Uint8Array(0) }));
    expect(bytes.length).toBe(512);
    const reader = readTar(streamOf(bytes));
    const paths = [];
    for await (const e of reader) paths.push(e.path);
    expect(paths).toEqual(['d/']);
    expect(reader.trailer!.length).toBe(0);
  });
});
