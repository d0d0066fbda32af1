import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setAttributeSync } from '@napi-rs/xattr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerChanges, readTar, tarEntry, writableLayerTar, writeTar } from '@strata/core';
import { containerFilesOf } from './container-files.js';
import { isMounted, unmount } from './overlay-mount.js';

const skip =
  process.getuid?.() !== 0
    ? 'overlay mounts need root'
    : !/\toverlay$/m.test(readFileSync('/proc/filesystems', 'utf8'))
      ? 'no overlay filesystem'
      : '';
if (skip) console.log(`container files on overlayfs skipped: ${skip}`);

const tarBytes = async (entries: Array<Parameters<typeof tarEntry>[0] & { text?: string }>) =>
  new Uint8Array(
    await new Response(
      writeTar(
        entries.map(({ text, ...e }) => ({ ...tarEntry({ ...e, size: text?.length ?? 0 }), body: text === undefined ? undefined : new TextEncoder().encode(text) })),
        { mode: 'fresh' },
      ),
    ).arrayBuffer(),
  );
const streamOf = (bytes: Uint8Array) => new ReadableStream<Uint8Array>({ start: (c) => (c.enqueue(bytes), c.close()) });

describe.skipIf(skip !== '')('a container\'s files on a real overlay mount', () => {
  let dir: string;
  let merged: string;
  let files: ReturnType<typeof containerFilesOf>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'strata-upper-'));
    const [bottom, top, upper, work] = ['bottom', 'top', 'upper', 'work'].map((d) => join(dir, d));
    merged = join(dir, 'merged');
    for (const d of [bottom, top, upper, work, merged, join(bottom, 'a'), join(bottom, 'd'), join(top, 'a'), join(top, 'd')]) await mkdir(d, { recursive: true });
    for (const f of ['a/file1', 'a/file2', 'd/x', 'keep']) await writeFile(join(bottom, f), `${f}\n`);
    await writeFile(join(top, 'a/file3'), 'file3\n');
    await writeFile(join(top, 'd/y'), 'y\n');
    // The top layer deletes /keep and replaces /d, as snapshots hold them (runtime-recipes §1a).
    execFileSync('mknod', [join(top, 'keep'), 'c', '0', '0']);
    setAttributeSync(join(top, 'd'), 'trusted.overlay.opaque', 'y');
    execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${top}:${bottom},upperdir=${upper},workdir=${work},index=off`, merged]);
    files = containerFilesOf({ upper, lowers: [top, bottom], merged });
  });

  afterAll(async () => {
    if (merged && (await isMounted(merged))) await unmount(merged);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reads the image layers merged as overlayfs shows them, without a mount', async () => {
    const names = async (path: string) => (await files.lower.list(path)).map((e) => e.name);
    expect(await names('')).toEqual(['a', 'd']);
    expect(await names('a')).toEqual(['file1', 'file2', 'file3']);
    expect(await names('d')).toEqual(['y']);
    expect(await files.lower.lstat('keep')).toBeUndefined();
    expect(await files.lower.lstat('d/x')).toBeUndefined();
    expect(new TextDecoder().decode(await new Response(files.lower.read('a/file1')).arrayBuffer())).toBe('a/file1\n');
    expect(await names('')).toEqual((await files.root.list('')).map((e) => e.name));
  });

  it('docker diff and the layer tar of what a process did in the mount', async () => {
    await rm(join(merged, 'a/file1'));
    await writeFile(join(merged, 'a/new'), 'new\n');
    await chmod(join(merged, 'a/file2'), 0o600);
    await rm(join(merged, 'd'), { recursive: true });
    await mkdir(join(merged, 'd'));
    await writeFile(join(merged, 'd/z'), 'z\n');
    const lines = (await containerChanges(files)).map((c) => `${'CAD'[c.Kind]} ${c.Path}`);
    expect(lines).toEqual(['C /a', 'D /a/file1', 'C /a/file2', 'A /a/new', 'C /d', 'D /d/y', 'A /d/z']);
    const entries = [];
    for await (const e of readTar(writableLayerTar(files))) {
      await e.body.cancel();
      entries.push(`${e.type} ${e.rawMode.toString(8)} ${e.uname} ${e.path}`);
    }
    expect(entries).toEqual(['directory 40755 root a/', 'file 600 root a/.wh.file1', 'file 100600 root a/file2', 'file 100644 root a/new', 'directory 40755 root d/', 'file 755 root d/.wh..wh..opq', 'file 100644 root d/z']);
  });

  it('extracts inside the root only: a link to / is followed inside it, names and links that leave are refused', async () => {
    const marker = `strata-extract-${process.pid}-${Date.now()}`;
    await symlink('/', join(merged, 'escape'));
    await files.extract('', streamOf(await tarBytes([{ path: `escape/a/${marker}`, type: 'file', text: 'inside' }])), { noOverwriteDirNonDir: true });
    expect(await readFile(join(merged, 'a', marker), 'utf8')).toBe('inside');
    expect(existsSync(`/a/${marker}`)).toBe(false);
    for (const [entries, message] of [
      [[{ path: `../${marker}`, type: 'file', text: 'x' }], 'is outside of'],
      [[{ path: `/${marker}`, type: 'file', text: 'x' }], 'absolute names are not accepted'],
      [[{ path: marker, type: 'symlink', linkname: '../../x' }], 'invalid symlink'],
      [[{ path: marker, type: 'hardlink', linkname: '../a/file2' }], 'invalid hardlink'],
      [[{ path: 'file2/x', type: 'file', text: 'x' }], 'is not a directory'],
    ] as const) {
      await expect(files.extract('a', streamOf(await tarBytes([...entries])), { noOverwriteDirNonDir: true })).rejects.toThrow(message);
    }
    for (const [entries, message] of [
      [[{ path: 'a', type: 'file', text: 'x' }], 'cannot overwrite directory'],
      [[{ path: 'keep2', type: 'file', text: 'x' }, { path: 'keep2', type: 'directory' }], 'cannot overwrite non-directory'],
    ] as const) {
      await expect(files.extract('', streamOf(await tarBytes([...entries])), { noOverwriteDirNonDir: true })).rejects.toThrow(message);
    }
    expect(existsSync(join(merged, marker))).toBe(false);
    expect(existsSync(join(dir, marker))).toBe(false);
  });
});
