import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../testing/fixture-files.js';
import { FsMetadataStore } from './fs-metadata-store.js';

const STRACE = '/usr/bin/strace';
/** The built package (turbo builds it before tests), for a writer in a child process. */
const DIST = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir('fs-metadata');
});
afterEach(async () => {
  await removeTempDir(dir);
});

describe('FsMetadataStore on disk', () => {
  it('keeps one JSON file per record under <namespace>/<encoded key>.json and no temp files', async () => {
    const store = new FsMetadataStore(join(dir, 'metadata'), { tempDir: join(dir, 'tmp') });
    await store.put('tags', 'docker.io/library/busybox:local', { id: 'sha256:1711673fe39b' });
    expect(await readdir(join(dir, 'metadata', 'tags'))).toEqual(['docker.io%2Flibrary%2Fbusybox%3Alocal.json']);
    expect(await readFile(join(dir, 'metadata', 'tags', 'docker.io%2Flibrary%2Fbusybox%3Alocal.json'), 'utf8')).toBe('{"id":"sha256:1711673fe39b"}');
    expect(await readdir(join(dir, 'tmp'))).toEqual([]);
  });

  it('writes and deletes without syncing the directory when asked, still through a temp file and a rename', async () => {
    const store = new FsMetadataStore(join(dir, 'metadata'), { tempDir: join(dir, 'tmp') });
    await store.put('containers', 'c1', { state: 'created' }, { syncDirectory: false });
    await store.put('containers', 'c1', { state: 'running' }, { syncDirectory: false });
    expect(await store.get('containers', 'c1')).toEqual({ state: 'running' });
    expect(await readdir(join(dir, 'tmp'))).toEqual([]);
    await store.delete('containers', 'c1', { syncDirectory: false });
    expect(await readdir(join(dir, 'metadata', 'containers'))).toEqual([]);
  });

  it('writes and deletes without any sync when asked (syncFile false), still whole records through a rename', async () => {
    const store = new FsMetadataStore(join(dir, 'metadata'), { tempDir: join(dir, 'tmp') });
    await store.put('containers', 'c1', { state: 'created' }, { syncFile: false });
    await store.put('containers', 'c1', { state: 'running' }, { syncFile: false });
    expect(await readFile(store.pathOf('containers', 'c1'), 'utf8')).toBe('{"state":"running"}');
    expect(await readdir(join(dir, 'tmp'))).toEqual([]);
    await store.delete('containers', 'c1', { syncFile: false });
    expect(await readdir(join(dir, 'metadata', 'containers'))).toEqual([]);
  });

  it.skipIf(!existsSync(STRACE) || !existsSync(DIST))('syncs a record file and its directory by default, and nothing with syncFile false (strace of a real writer)', async () => {
    // A child process writes through the built package under strace, which counts its fsync calls.
    const script = (options: string) =>
      `import { FsMetadataStore } from ${JSON.stringify(DIST)};` +
      `const s = new FsMetadataStore(${JSON.stringify(join(dir, 'm'))});` +
      `await s.put('containers', 'warm', 1);` +
      `process.stderr.write('MARK\\n');` +
      `await s.put('containers', 'c1', { state: 'running' }${options});`;
    const fsyncsAfterMark = (options: string) => {
      const r = spawnSync(STRACE, ['-f', '-e', 'trace=fsync,fdatasync,write', '-e', 'signal=none', process.execPath, '--input-type=module', '-e', script(options)], { encoding: 'utf8' });
      expect(r.status).toBe(0);
      const after = r.stderr.slice(r.stderr.indexOf('MARK'));
      return after.split('\n').filter((l) => /\b(fsync|fdatasync)\(/.test(l)).length;
    };
    expect(fsyncsAfterMark('')).toBe(2);
    expect(fsyncsAfterMark(', { syncDirectory: false }')).toBe(1);
    expect(fsyncsAfterMark(', { syncFile: false }')).toBe(0);
  });

  it('ignores files in a namespace that are not records', async () => {
    const store = new FsMetadataStore(dir);
    await store.put('tags', 'a', 1);
    await writeFile(join(dir, 'tags', 'notes.txt'), 'x');
    await writeFile(join(dir, 'tags', 'a:b.json'), '2');
    expect(await store.list('tags')).toEqual([['a', 1]]);
  });

  it('reports a corrupt record instead of returning garbage', async () => {
    const store = new FsMetadataStore(dir);
    await store.put('tags', 'a', 1);
    await writeFile(store.pathOf('tags', 'a'), '{"trunc');
    await expect(store.get('tags', 'a')).rejects.toMatchObject({ kind: 'internal', message: expect.stringMatching(/^corrupt metadata record .*a\.json/) });
  });

  it('survives many concurrent writers of one key with a whole record', async () => {
    const store = new FsMetadataStore(dir);
    const values = Array.from({ length: 20 }, (_, i) => ({ i, pad: 'x'.repeat(10_000 + i) }));
    await Promise.all(values.map((v) => store.put('images', 'same', v)));
    const got = await store.get<{ i: number; pad: string }>('images', 'same');
    expect(got).toEqual(values[got!.i]);
    expect(await readdir(join(dir, '.tmp'))).toEqual([]);
  });
});
