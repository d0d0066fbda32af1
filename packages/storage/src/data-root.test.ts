import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultDataRoot, openDataRoot } from './data-root.js';
import { DataRootInUseError } from './lock/data-root-lock.js';
import { makeTempDir, readFixtureBlob, removeTempDir, sha256Hex, streamOf } from './testing/fixture-files.js';

const CONFIG = '16ec02b5265e63537cd55b1ed6427db75c9388dec02a4bbda4d06bcf39419156';

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir('data-root');
});
afterEach(async () => {
  await removeTempDir(dir);
});

describe('openDataRoot', () => {
  it('creates content/ (an OCI layout), metadata/, tmp/ and the lock, and gives working ports', async () => {
    const root = join(dir, 'strata');
    const opened = await openDataRoot(root);
    try {
      expect((await readdir(root)).sort()).toEqual(['content', 'metadata', 'strata.lock', 'tmp']);
      expect(await readFile(join(root, 'content', 'oci-layout'), 'utf8')).toBe('{"imageLayoutVersion":"1.0.0"}');
      expect(JSON.parse(await readFile(join(root, 'strata.lock'), 'utf8')).pid).toBe(process.pid);

      const config = await readFixtureBlob(CONFIG);
      const { digest } = await opened.ports.content.write(streamOf(config, 500), { digest: `sha256:${CONFIG}` });
      expect(sha256Hex(await readFile(join(root, 'content', 'blobs', 'sha256', CONFIG)))).toBe(CONFIG);
      await opened.ports.metadata.put('images', digest, { repoTags: ['busybox:local'] });
      expect(await readdir(join(root, 'metadata', 'images'))).toEqual([`sha256%3A${CONFIG}.json`]);
      expect(opened.ports.hasher.create('sha256').hex()).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
      expect(Math.abs(opened.ports.clock.now() - Date.now())).toBeLessThan(5000);
      expect(opened.ports.random.bytes(16)).toHaveLength(16);
      expect(await readdir(join(root, 'tmp'))).toEqual([]);
    } finally {
      await opened.close();
    }
    expect((await readdir(root)).sort()).toEqual(['content', 'metadata', 'tmp']);
  });

  it('removes what a crashed owner left in tmp/, and keeps the blobs it committed', async () => {
    const root = join(dir, 'strata');
    const first = await openDataRoot(root);
    await first.ports.content.write(await readFixtureBlob(CONFIG));
    await first.close();
    // What a crash mid-write leaves: half a blob in tmp/ and a stale lock naming a dead process.
    await writeFile(join(root, 'tmp', 'strata-tmp-999999-0123456789ab-blob'), 'half a layer');
    await mkdir(join(root, 'tmp', 'unpack-dir'));
    await writeFile(join(root, 'strata.lock'), JSON.stringify({ pid: 2 ** 22 + 1 }));
    const second = await openDataRoot(root);
    try {
      expect(second.removedLeftovers.sort()).toEqual(['strata-tmp-999999-0123456789ab-blob', 'unpack-dir']);
      expect(await readdir(join(root, 'tmp'))).toEqual([]);
      expect(await second.ports.content.list()).toEqual([`sha256:${CONFIG}`]);
    } finally {
      await second.close();
    }
  });

  it('refuses a second open while the first holds the root; lock: false opens without it', async () => {
    const root = join(dir, 'strata');
    const first = await openDataRoot(root, { socket: join(dir, 'strata.sock') });
    try {
      const err = await openDataRoot(root).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DataRootInUseError);
      expect((err as DataRootInUseError).owner.socket).toBe(join(dir, 'strata.sock'));
      await writeFile(join(root, 'tmp', 'in-flight'), 'x');
      const reader = await openDataRoot(root, { lock: false });
      expect(reader.lock).toBeUndefined();
      // Without the lock it must not clean: that file may be the owner's write in flight.
      expect(await readdir(join(root, 'tmp'))).toEqual(['in-flight']);
      await reader.close();
      expect((await stat(join(root, 'strata.lock'))).isFile()).toBe(true);
    } finally {
      await first.close();
    }
  });
});

describe('defaultDataRoot', () => {
  it('follows STRATA_DATA_ROOT, then root, then XDG, then ~/.local/share', () => {
    expect(defaultDataRoot({ STRATA_DATA_ROOT: '/srv/strata', XDG_DATA_HOME: '/x' }, 0)).toBe('/srv/strata');
    expect(defaultDataRoot({ XDG_DATA_HOME: '/x', HOME: '/home/u' }, 0)).toBe('/var/lib/strata');
    expect(defaultDataRoot({ XDG_DATA_HOME: '/x', HOME: '/home/u' }, 1000)).toBe('/x/strata');
    expect(defaultDataRoot({ XDG_DATA_HOME: 'relative', HOME: '/home/u' }, 1000)).toBe('/home/u/.local/share/strata');
    expect(defaultDataRoot({ HOME: '/home/u' }, 1000)).toBe('/home/u/.local/share/strata');
  });
});
