import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Of, tarBytes, tarEntry, type Digest, type TarBytesEntry } from '@strata/core';
import { nodeCodecs, nodeHasher } from '@strata/storage';
import { fixtureRoot, type FixtureRoot } from '../testing/fixture-images.js';
import { SnapshotStore } from './snapshot-store.js';

const root = process.getuid?.() === 0;
const hasGetfattr = existsSync('/usr/bin/getfattr');
const text = (s: string) => new TextEncoder().encode(s);
const T = 1700000000;

/** A layer as a build's COPY writes it: owners, modes, a symlink, a user xattr, a long name. */
function copyLayer(tag: string): Uint8Array {
  const file = (path: string, body: string, more: Partial<TarBytesEntry> = {}): TarBytesEntry => ({
    ...tarEntry({ path, type: 'file', size: text(body).byteLength, mtime: T, ...more }),
    body: text(body),
  });
  return tarBytes([
    tarEntry({ path: 'app/', type: 'directory', mtime: T, mode: 0o750, uid: 1000, gid: 1000 }),
    file('app/a.txt', `hello ${tag}\n`, { uid: 1000, gid: 1000, mode: 0o600 }),
    file('app/run', '#!/bin/sh\n', { mode: 0o4755 }),
    file(`app/${'n'.repeat(120)}`, 'long\n'),
    file('app/noted', 'x'.repeat(3000), { pax: { 'SCHILY.xattr.user.note': text('kept') } }),
    tarEntry({ path: 'app/link', type: 'symlink', linkname: 'a.txt', mode: 0o777, mtime: T }),
  ]);
}

/** What a snapshot dir holds, mtimes of the top dir aside: type, mode, owner, size, link, bytes' hash, xattrs. */
function listing(dir: string): string {
  const files = execFileSync('find', ['.', '-mindepth', '1', '-printf', '%P %y %m %U:%G %s %l %T@\\n'], { cwd: dir }).toString().split('\n').sort().join('\n');
  const sums = execFileSync('sh', ['-c', 'find . -type f -print0 | sort -z | xargs -0 -r sha256sum'], { cwd: dir }).toString();
  const xattrs = execFileSync('getfattr', ['-R', '-P', '-h', '-d', '-m', '-', '.'], { cwd: dir }).toString();
  return `${files}\n${sums}\n${xattrs}`;
}

describe.skipIf(!root || !hasGetfattr)('SnapshotStore drafts (skipped unless root with getfattr: apt-get install attr)', () => {
  let fx: FixtureRoot;
  let store: SnapshotStore;
  let base: FixtureRoot['layers'][string];

  beforeAll(async () => {
    fx = await fixtureRoot(['01-base']);
    store = new SnapshotStore({ dir: join(fx.dir, 'snapshots'), content: fx.dataRoot.content, codecs: nodeCodecs, hasher: nodeHasher });
    base = fx.layers['01-base'];
  });
  afterAll(async () => {
    await fx?.close();
  });

  const partials = async (): Promise<string[]> => (await readdir(store.dir)).filter((n) => n.startsWith('.'));

  it('a committed draft is the snapshot that unpacking the stored blob gives, under the stack chainID', async () => {
    const tar = copyLayer('one');
    const draft = await store.draft();
    // Fed in pieces that cut through headers and bodies, as a stream would.
    for (let at = 0; at < tar.byteLength; at += 1000) await draft.write(tar.subarray(at, at + 1000));
    const diffId = sha256Of(nodeHasher, tar);
    await draft.commit([...base.map((l) => l.diffId), diffId]);
    const stack = [...base, { diffId, blob: (await fx.dataRoot.content.write(tar)).digest as Digest, mediaType: 'application/vnd.oci.image.layer.v1.tar' }];
    const names = store.names(stack);
    expect(await readdir(store.dir)).toContain(names[1]);
    expect(await partials()).toEqual([]);

    // The same stack unpacked from the blob by a second store: the classic path.
    const fromBlob = new SnapshotStore({ dir: join(fx.dir, 'from-blob'), content: fx.dataRoot.content, codecs: nodeCodecs, hasher: nodeHasher });
    const unpacked = await fromBlob.ensure(stack);
    expect(unpacked).toEqual(names);
    const drafted = listing(join(store.dir, names[1]!));
    expect(drafted).toContain(`app/${'n'.repeat(120)} f 644 0:0 5`);
    expect(drafted).toContain('app/run f 4755 0:0 10');
    expect(drafted).toContain('app/a.txt f 600 1000:1000 10');
    expect(drafted).toContain('user.note="kept"');
    expect(drafted).toBe(listing(join(fromBlob.dir, names[1]!)));
    // ensure() finds the drafted snapshot and leaves it as it is.
    expect(await store.ensure(stack)).toEqual(names);
  });

  it('an aborted draft leaves nothing behind', async () => {
    const before = (await readdir(store.dir)).sort();
    const draft = await store.draft();
    await draft.write(copyLayer('two').subarray(0, 4096));
    expect((await partials()).length).toBe(1);
    await draft.abort();
    expect((await readdir(store.dir)).sort()).toEqual(before);
  });

  it('housekeeping leaves an open draft alone, and a draft of a stack already unpacked keeps the first', async () => {
    const tar = copyLayer('one');
    const diffId = sha256Of(nodeHasher, tar);
    const draft = await store.draft();
    await draft.write(tar);
    const keep = store.names(base);
    const removed = await store.removeUnused(keep);
    expect(removed.some((n) => n.startsWith('.'))).toBe(false);
    expect((await partials()).length).toBe(1);
    // removeUnused dropped the first test's stack; unpack it again, then commit a draft of the same stack.
    const stack = [...base, { diffId, blob: (await fx.dataRoot.content.write(tar)).digest as Digest, mediaType: 'application/vnd.oci.image.layer.v1.tar' }];
    const names = await store.ensure(stack);
    const first = listing(join(store.dir, names[1]!));
    await draft.commit(stack.map((l) => l.diffId));
    expect(listing(join(store.dir, names[1]!))).toBe(first);
    expect(await partials()).toEqual([]);
  });

  it('a tar that is not a tar fails on commit and is dropped', async () => {
    const draft = await store.draft();
    await draft.write(text('this is no tar archive, just text'.repeat(40)));
    await expect(draft.commit([...base.map((l) => l.diffId), sha256Of(nodeHasher, text('x'))])).rejects.toThrow(/unpacking a drafted layer snapshot failed/);
    expect(await partials()).toEqual([]);
  });
});
