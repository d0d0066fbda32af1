// lstat by statx relative to a held directory: the same answers as Node's lstat, for every kind
// of file, and a directory is never held past the turn of the event loop that opened it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lstatHostPath, lstatHostPathNode } from './host-stat.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'strata-host-stat-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const openFds = () => readdirSync('/proc/self/fd').length;
const nextTurn = () => new Promise((r) => setImmediate(r));

describe('lstatHostPath', () => {
  it('answers what Node lstat answers for files, directories, symlinks, devices and fifos', async () => {
    writeFileSync(join(dir, 'file'), 'twelve bytes');
    utimesSync(join(dir, 'file'), 1_700_000_000.123456, 1_700_000_000.987654);
    if (process.getuid?.() === 0) chownSync(join(dir, 'file'), 1234, 5678);
    mkdirSync(join(dir, 'sub'));
    symlinkSync('file', join(dir, 'link'));
    symlinkSync('/nowhere', join(dir, 'dangling'));
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    const made = ['file', 'sub', 'link', 'dangling', 'fifo'];
    if (process.getuid?.() === 0) {
      execFileSync('mknod', [join(dir, 'whiteout'), 'c', '0', '0']);
      execFileSync('mknod', [join(dir, 'tty'), 'c', '136', '1000']);
      made.push('whiteout', 'tty');
    }
    for (const name of made) {
      const got = lstatHostPath(join(dir, name));
      expect({ name, got }).toEqual({ name, got: lstatHostPathNode(join(dir, name)) });
    }
    const file = lstatHostPath(join(dir, 'file'))!;
    expect(file.size).toBe(12);
    expect(file.mode & 0o170000).toBe(0o100000);
    expect(file.mtimeNs % 1_000_000_000n).not.toBe(0n);
    if (process.getuid?.() === 0) {
      expect([file.uid, file.gid]).toEqual([1234, 5678]);
      expect(lstatHostPath(join(dir, 'tty'))).toMatchObject({ rdevMajor: 136, rdevMinor: 1000 });
      expect(lstatHostPath(join(dir, 'whiteout'))).toMatchObject({ rdevMajor: 0, rdevMinor: 0 });
    }
    expect(lstatHostPath(join(dir, 'link'))!.size).toBe(4); // the link itself, not its target
    expect(lstatHostPath(dir)).toEqual(lstatHostPathNode(dir));
    expect(lstatHostPath('/')).toEqual(lstatHostPathNode('/'));
  });

  it('is undefined for nothing there and for a path through a file, and throws other failures as Node does', () => {
    writeFileSync(join(dir, 'file'), '');
    expect(lstatHostPath(join(dir, 'absent'))).toBeUndefined();
    expect(lstatHostPath(join(dir, 'absent', 'deeper'))).toBeUndefined();
    expect(lstatHostPath(join(dir, 'file', 'child'))).toBeUndefined();
    const long = join(dir, 'x'.repeat(300));
    expect(() => lstatHostPath(long)).toThrow(/ENAMETOOLONG/);
    expect(() => lstatHostPathNode(long)).toThrow(/ENAMETOOLONG/);
  });

  it('holds one directory for a run of lookups and lets it go at the next turn; a directory made anew is seen anew', async () => {
    await nextTurn();
    const before = openFds();
    mkdirSync(join(dir, 'a'));
    mkdirSync(join(dir, 'b'));
    for (let i = 0; i < 200; i++) writeFileSync(join(dir, 'a', `f${i}`), 'x'.repeat(i));
    for (let i = 0; i < 200; i++) expect(lstatHostPath(join(dir, 'a', `f${i}`))!.size).toBe(i);
    expect(openFds()).toBe(before + 1);
    expect(lstatHostPath(join(dir, 'b', 'none'))).toBeUndefined();
    expect(openFds()).toBe(before + 2);
    // a few directories at most: the oldest is let go for a fifth
    for (const sub of ['c', 'd', 'e', 'f']) {
      mkdirSync(join(dir, sub));
      expect(lstatHostPath(join(dir, sub, 'none'))).toBeUndefined();
    }
    expect(openFds()).toBe(before + 4);
    await nextTurn();
    expect(openFds()).toBe(before);

    expect(lstatHostPath(join(dir, 'a', 'f5'))!.size).toBe(5);
    await nextTurn();
    rmSync(join(dir, 'a'), { recursive: true });
    mkdirSync(join(dir, 'a'));
    writeFileSync(join(dir, 'a', 'f5'), 'new');
    expect(lstatHostPath(join(dir, 'a', 'f5'))!.size).toBe(3);
    await nextTurn();
    expect(openFds()).toBe(before);
  });
});
