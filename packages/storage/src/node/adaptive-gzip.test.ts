import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { collect, readFixtureBlob, sha256Hex, streamOf } from '../testing/fixture-files.js';
import { adaptiveGzip, adaptiveGzipAvailable, looksIncompressible } from './adaptive-gzip.js';

const LAYER = '0d733fea8f7dadcc93a60bd80b3b1a2d1d54ff8bed69711bf736915d906f5afe';

const gzipped = (bytes: Uint8Array, chunk = 1 << 20) => collect(streamOf(bytes, chunk).pipeThrough(adaptiveGzip()));

/** What the gzip binary makes of a stream: its exit status, its stderr and the bytes. */
function gunzipBinary(gz: Uint8Array): { status: number | null; stderr: string; bytes: Uint8Array } {
  const r = spawnSync('gzip', ['-dc'], { input: gz, maxBuffer: 256 << 20 });
  return { status: r.status, stderr: r.stderr.toString(), bytes: new Uint8Array(r.stdout) };
}

/** Files as a layer has them: each half random bytes, half repeated text, sizes from 1 kB to 400 kB. */
function mixedFiles(total: number): Uint8Array {
  const text = Buffer.from('usr/lib/python3/dist-packages/strata/registry.py: def pull(reference):\n'.repeat(6000));
  const parts: Buffer[] = [];
  let n = 0;
  for (let i = 0; n < total; i++) {
    const size = 1000 + ((i * 7919) % 400_000);
    parts.push(randomBytes(size >> 1), text.subarray(0, size - (size >> 1)));
    n += size;
  }
  return new Uint8Array(Buffer.concat(parts));
}

describe.skipIf(!adaptiveGzipAvailable)('adaptiveGzip (needs zlib.crc32, Node >= 20.15)', () => {
  it('tells random bytes from text and from machine code', async () => {
    expect(looksIncompressible(randomBytes(16384))).toBe(true);
    expect(looksIncompressible(Buffer.alloc(16384, 'strata registry '))).toBe(false);
    // A real gzip blob is incompressible too; the tar inside it (busybox's ELF binary) is not.
    const layer = await readFixtureBlob(LAYER);
    expect(looksIncompressible(layer.subarray(50_000, 50_000 + 16384))).toBe(true);
    const tar = gunzipSync(layer);
    expect(looksIncompressible(tar.subarray(600_000, 600_000 + 16384))).toBe(false);
  });

  it('writes gzip that the gzip binary reads back byte for byte, as compact as zlib level 6 on mixed files', async () => {
    const data = mixedFiles(12e6);
    const gz = await gzipped(data);
    const back = gunzipBinary(gz);
    expect(back.stderr).toBe('');
    expect(back.status).toBe(0);
    expect(sha256Hex(back.bytes)).toBe(sha256Hex(data));
    const zlib6 = gzipSync(data, { level: 6 }).byteLength;
    expect(gz.byteLength / zlib6).toBeLessThan(1.02);
    expect(gz.byteLength / zlib6).toBeGreaterThan(0.98);
  });

  it('round-trips whatever the chunking: a real layer tar fed in odd chunk sizes, and nothing at all', async () => {
    const tar = new Uint8Array(gunzipSync(await readFixtureBlob(LAYER)));
    for (const chunk of [1, 4099, 65536, 3 << 20]) {
      const input = chunk === 1 ? tar.subarray(0, 20_000) : tar;
      const gz = await gzipped(input, chunk);
      expect(sha256Hex(gunzipBinary(gz).bytes)).toBe(sha256Hex(input));
      expect(sha256Hex(gunzipSync(gz))).toBe(sha256Hex(input));
    }
    const empty = await gzipped(new Uint8Array(0));
    expect(gunzipBinary(empty)).toEqual({ status: 0, stderr: '', bytes: new Uint8Array(0) });
  });

  it('stores incompressible runs larger than a stored block can hold, and the trailer counts every byte', async () => {
    const data = new Uint8Array(Buffer.concat([randomBytes(5 << 20), Buffer.alloc(100_000, 'a'), randomBytes(70_000)]));
    const gz = await gzipped(data);
    expect(sha256Hex(gunzipBinary(gz).bytes)).toBe(sha256Hex(data));
    // Stored blocks cost 5 bytes per 64 KiB; the run of 'a' almost nothing.
    expect(gz.byteLength).toBeLessThan((5 << 20) + 70_000 + 2000);
    expect(Buffer.from(gz.subarray(gz.byteLength - 4)).readUInt32LE(0)).toBe(data.byteLength);
  });
});
