import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collect, nodeHasher, streamOf } from '../../test-support/node.js';
import { sha256Of } from '../digest/index.js';
import { readTar, writeTar, type TarEntry } from './index.js';

const longName = 'n'.repeat(150);
const longTarget = 't'.repeat(120);
let dir: string;
let big: Buffer;

/** A tree with names and owners that need GNU long-name records or base-256 / PAX numbers. */
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'strata-layer-gnu-'));
  const src = join(dir, 'src');
  mkdirSync(src);
  writeFileSync(join(src, longName), 'hi\n');
  symlinkSync(longTarget, join(src, 'longlink'));
  big = randomBytes(5 * 1024 * 1024 + 123);
  writeFileSync(join(src, 'big.bin'), big);
  for (const format of ['gnu', 'posix']) {
    const args = [`--format=${format}`, '--owner=big:3000000', '--group=grp:4000000', '--sort=name'];
    execFileSync('tar', [...args, '-cf', join(dir, `${format}.tar`), '-C', src, '.']);
    execFileSync('tar', [...args, '--exclude=big.bin', '-cf', join(dir, `${format}-small.tar`), '-C', src, '.']);
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function decode(bytes: Uint8Array, chunk: number) {
  const reader = readTar(streamOf(bytes, chunk));
  const entries: TarEntry[] = [];
  let largestChunk = 0;
  let bigDigest = '';
  for await (const e of reader) {
    entries.push(e);
    if (e.path.endsWith('big.bin')) {
      const h = createHash('sha256');
      for await (const c of e.body as unknown as AsyncIterable<Uint8Array>) {
        largestChunk = Math.max(largestChunk, c.length);
        h.update(c);
      }
      bigDigest = h.digest('hex');
    }
  }
  return { entries, largestChunk, bigDigest, trailer: reader.trailer! };
}

describe.each(['gnu', 'posix'] as const)('archives written by GNU tar --format=%s', (format) => {
  it('decode with long names, large ids and streamed bodies', async () => {
    const bytes = new Uint8Array(readFileSync(join(dir, `${format}.tar`)));
    const { entries, largestChunk, bigDigest, trailer } = await decode(bytes, 65536);
    expect(entries.map((e) => e.path)).toEqual(['./', './big.bin', './longlink', `./${longName}`]);
    expect(entries.every((e) => e.uid === 3000000 && e.gid === 4000000 && e.uname === 'big' && e.gname === 'grp')).toBe(true);
    expect(entries[2]).toMatchObject({ type: 'symlink', linkname: longTarget });
    expect(entries[0].format).toBe(format === 'gnu' ? 'gnu' : 'ustar');
    expect(bigDigest).toBe(createHash('sha256').update(big).digest('hex'));
    expect(largestChunk).toBeLessThanOrEqual(65536);
    // GNU tar pads the archive to a 10240-byte record: the reader keeps that as the trailer.
    expect(bytes.length % 10240).toBe(0);
    expect(trailer.length).toBeGreaterThanOrEqual(1024);
    const mtime = statSync(join(dir, 'src', longName)).mtimeMs / 1000;
    if (format === 'gnu') {
      expect(entries[3].raw!.header.length).toBe(3 * 512); // L header + name block + main header
      expect(entries[3].mtime).toBe(Math.floor(mtime));
    } else {
      expect(new TextDecoder().decode(entries[3].pax.uid)).toBe('3000000');
      expect(entries[3].mtime).toBeCloseTo(mtime, 3);
      expect(Number.isInteger(entries[3].mtime)).toBe(false);
    }
  });

  it.each([1, 511, 65536])('raw re-encoding reproduces the archive byte for byte (chunks of %i)', async (chunk) => {
    // 1-byte chunks over 5 MiB would only be slow; the archive without big.bin has every other boundary.
    const input = new Uint8Array(readFileSync(join(dir, chunk === 1 ? `${format}-small.tar` : `${format}.tar`)));
    const reader = readTar(streamOf(input, chunk));
    const out = await collect(writeTar(reader, { mode: 'raw', trailer: () => reader.trailer }));
    expect(sha256Of(nodeHasher, out)).toBe(sha256Of(nodeHasher, input));
  });
});
