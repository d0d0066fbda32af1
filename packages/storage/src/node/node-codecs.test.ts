import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStrataError } from '@strata/core';
import { collect, makeTempDir, readFixtureBlob, removeTempDir, sha256Hex, streamOf } from '../testing/fixture-files.js';
import { createNodeCodecs, nodeCodecs } from './node-codecs.js';

const LAYER = '0d733fea8f7dadcc93a60bd80b3b1a2d1d54ff8bed69711bf736915d906f5afe';
const CONFIG = '16ec02b5265e63537cd55b1ed6427db75c9388dec02a4bbda4d06bcf39419156';

/** Compress with the real binary (the files our decompressors meet are made by such tools). */
async function compressWith(command: string, bytes: Uint8Array): Promise<Uint8Array> {
  const child = execFile(command, ['-c', '-1'], { encoding: 'buffer', maxBuffer: 256 << 20 });
  const out = new Promise<Buffer>((resolve, reject) => {
    const parts: Buffer[] = [];
    child.stdout!.on('data', (d: Buffer) => parts.push(d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(parts)) : reject(new Error(`${command} exited ${code}`))));
  });
  child.stdin!.end(bytes);
  return new Uint8Array(await out);
}

const through = (bytes: Uint8Array, transform: TransformStream<Uint8Array, Uint8Array>, chunk = 65536) =>
  collect(streamOf(bytes, chunk).pipeThrough(transform));

const installed = (command: string) => spawnSync(command, ['--version']).status === 0;

describe('nodeCodecs gzip', () => {
  it('decompresses a real gzip layer to the diffID its image config names', async () => {
    const config = JSON.parse(new TextDecoder().decode(await readFixtureBlob(CONFIG))) as { rootfs: { diff_ids: string[] } };
    const tar = await through(await readFixtureBlob(LAYER), nodeCodecs.decompress('gzip'), 10_000);
    expect(`sha256:${sha256Hex(tar)}`).toBe(config.rootfs.diff_ids[0]);
  });

  it('compresses so that the gzip binary reads it back, and round-trips itself', async () => {
    const data = new Uint8Array(Buffer.concat([randomBytes(3 << 20), Buffer.alloc(2 << 20, 'strata ')]));
    const gz = await through(data, nodeCodecs.compress!('gzip'));
    expect(gz.byteLength).toBeLessThan(data.byteLength);
    const viaBinary = spawnSync('gzip', ['-dc'], { input: gz, maxBuffer: 64 << 20 });
    expect(viaBinary.status).toBe(0);
    expect(sha256Hex(new Uint8Array(viaBinary.stdout))).toBe(sha256Hex(data));
    expect(sha256Hex(await through(gz, nodeCodecs.decompress('gzip')))).toBe(sha256Hex(data));
  });

  it('rejects corrupt and truncated gzip', async () => {
    const gz = await readFixtureBlob(LAYER);
    await expect(through(randomBytes(100_000), nodeCodecs.decompress('gzip'))).rejects.toThrow(/^gzip decompression failed: /);
    const truncated = through(gz.subarray(0, gz.byteLength - 5000), nodeCodecs.decompress('gzip'));
    await expect(truncated).rejects.toMatchObject({ kind: 'invalid' });
  });
});

for (const [kind, command, debianPackage] of [
  ['bzip2', 'bzip2', 'bzip2'],
  ['xz', 'xz', 'xz-utils'],
  ['zstd', 'zstd', 'zstd'],
] as const) {
  describe.skipIf(!installed(command))(`nodeCodecs ${kind} (skipped unless ${command} is installed: apt-get install ${debianPackage})`, () => {
    let tar: Uint8Array;
    beforeAll(async () => {
      // A real layer tar (~2 MB busybox) plus incompressible bytes, to span many pipe buffers.
      const layerTar = await through(await readFixtureBlob(LAYER), nodeCodecs.decompress('gzip'));
      tar = new Uint8Array(Buffer.concat([layerTar, randomBytes(1 << 20)]));
    });

    it(`decompresses what ${command} compressed, byte for byte`, async () => {
      const compressed = await compressWith(command, tar);
      const out = await through(compressed, nodeCodecs.decompress(kind), 20_000);
      expect(out.byteLength).toBe(tar.byteLength);
      expect(sha256Hex(out)).toBe(sha256Hex(tar));
    });

    it('rejects corrupt input (and does not hang on a large one)', async () => {
      const err = await through(new Uint8Array(randomBytes(8 << 20)), nodeCodecs.decompress(kind)).catch((e: unknown) => e);
      expect(isStrataError(err, 'invalid')).toBe(true);
      expect((err as Error).message).toMatch(new RegExp(`^${command} decompression failed: .+`));
    });

    it('rejects a truncated stream', async () => {
      const compressed = await compressWith(command, tar);
      const err = await through(compressed.subarray(0, compressed.byteLength >> 1), nodeCodecs.decompress(kind)).catch((e: unknown) => e);
      expect(isStrataError(err, 'invalid')).toBe(true);
    });
  });
}

describe('nodeCodecs without the binaries', () => {
  let emptyPath: string;
  beforeAll(async () => {
    emptyPath = await makeTempDir('no-binaries');
  });
  afterAll(async () => {
    await removeTempDir(emptyPath);
  });

  it.each([
    ['xz', 'xz is not installed: apt-get install xz-utils'],
    ['bzip2', 'bzip2 is not installed: apt-get install bzip2'],
    ['zstd', 'zstd is not installed: apt-get install zstd'],
  ] as const)('says how to install %s', async (kind, message) => {
    const codecs = createNodeCodecs({ env: { PATH: emptyPath } });
    const err = await through(new Uint8Array(200_000), codecs.decompress(kind)).catch((e: unknown) => e);
    expect(isStrataError(err, 'unavailable')).toBe(true);
    expect((err as Error).message).toBe(message);
  });
});

/** PIDs of this process's children whose command name is `comm` (from /proc). */
function childrenNamed(comm: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const command = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (command === comm && ppid === process.pid) out.push(Number(name));
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

describe.skipIf(!installed('xz'))('nodeCodecs stream behaviour', () => {
  it('starts no process for a transform that is never used', async () => {
    const before = childrenNamed('xz').length;
    const unused = nodeCodecs.decompress('xz');
    await new Promise((r) => setTimeout(r, 50));
    expect(childrenNamed('xz')).toHaveLength(before);
    expect(unused.readable.locked).toBe(false);
  });

  it('kills the decompressor process when the reader cancels', async () => {
    const compressed = await compressWith('xz', new Uint8Array(randomBytes(2 << 20)));
    const before = new Set(childrenNamed('xz'));
    const reader = streamOf(compressed).pipeThrough(nodeCodecs.decompress('xz')).getReader();
    expect((await reader.read()).done).toBe(false);
    const started = childrenNamed('xz').filter((pid) => !before.has(pid));
    expect(started).toHaveLength(1);
    await reader.cancel();
    for (let i = 0; i < 100 && childrenNamed('xz').includes(started[0]); i++) await new Promise((r) => setTimeout(r, 20));
    expect(childrenNamed('xz')).not.toContain(started[0]);
  });
});
