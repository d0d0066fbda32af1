import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CgroupMigrationWarmer, ownCgroupProcsFile } from './cgroup-migrations.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const work = mkdtempSync(join(tmpdir(), 'strata-cgroup-migrations-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A fake /sys/fs/cgroup with these hierarchies, each holding `path/cgroup.procs`. */
function fakeHierarchies(name: string, entries: Array<[string, string]>): string[] {
  const root = join(work, name);
  for (const [hierarchy, path] of entries) {
    mkdirSync(join(root, hierarchy, path), { recursive: true });
    writeFileSync(join(root, hierarchy, path, 'cgroup.procs'), '');
  }
  return entries.map(([hierarchy]) => join(root, hierarchy));
}

describe("the engine's own cgroup.procs", () => {
  it('cgroup v1 (hybrid): the first controller line whose hierarchy is mounted, at the path the line gives', async () => {
    const dirs = fakeHierarchies('v1', [['cpu,cpuacct', '/'], ['pids', '/a/b'], ['systemd', '/'], ['unified', '/']]);
    const self = '12:blkio:/\n8:pids:/a/b\n9:name=systemd:/\n0::/\n';
    expect(await ownCgroupProcsFile(self, dirs)).toBe(join(work, 'v1', 'pids', 'a/b', 'cgroup.procs'));
    expect(await ownCgroupProcsFile('4:cpu,cpuacct:/\n', dirs)).toBe(join(work, 'v1', 'cpu,cpuacct', 'cgroup.procs'));
    expect(await ownCgroupProcsFile('1:name=systemd:/\n', dirs)).toBe(join(work, 'v1', 'systemd', 'cgroup.procs'));
  });

  it('cgroup v2 only: the 0:: line under the cgroup2 root; nothing when no hierarchy has the path', async () => {
    const dirs = fakeHierarchies('v2', [['cgroup', '/system.slice/strata.service']]);
    expect(await ownCgroupProcsFile('0::/system.slice/strata.service\n', dirs)).toBe(join(work, 'v2', 'cgroup', 'system.slice/strata.service', 'cgroup.procs'));
    expect(await ownCgroupProcsFile('0::/elsewhere\n', dirs)).toBeUndefined();
    expect(await ownCgroupProcsFile('', dirs)).toBeUndefined();
  });

  it('on this host: a cgroup.procs file that lists this very process', async () => {
    const file = await ownCgroupProcsFile();
    if (file === undefined) return;
    expect((await readFile(file, 'utf8')).split('\n')).toContain(String(process.pid));
  });
});

describe('CgroupMigrationWarmer', () => {
  it('writes the pid over and over while held, and stops when released', async () => {
    const file = join(work, 'procs-held');
    writeFileSync(file, '');
    const warmer = new CgroupMigrationWarmer(async () => file, 2, 4242);
    const release = warmer.hold();
    await sleep(40);
    expect(readFileSync(file, 'utf8')).toBe('4242');
    expect(warmer.active).toBe(true);
    release();
    await sleep(20);
    expect(warmer.active).toBe(false);
    writeFileSync(file, 'untouched');
    await sleep(20);
    expect(readFileSync(file, 'utf8')).toBe('untouched');
  });

  it('a hold ends by itself after maxMs; overlapping holds keep one loop until the last goes', async () => {
    const file = join(work, 'procs-max');
    writeFileSync(file, '');
    const warmer = new CgroupMigrationWarmer(async () => file, 2, 7);
    warmer.hold(30);
    const second = warmer.hold();
    await sleep(60);
    expect(warmer.active).toBe(true);
    second();
    await sleep(20);
    expect(warmer.active).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe('7');
  });

  it('turns itself off for good when there is no file to write or the write fails', async () => {
    const none = new CgroupMigrationWarmer(async () => undefined, 2);
    none.hold()();
    await sleep(10);
    expect(none.active).toBe(false);
    const refused = new CgroupMigrationWarmer(async () => join(work, 'no-such-dir', 'cgroup.procs'), 2);
    refused.hold()();
    await sleep(20);
    expect(refused.active).toBe(false);
    // Off: a new hold starts no loop at all.
    refused.hold();
    expect(refused.active).toBe(false);
  });

  it.skipIf(process.getuid?.() !== 0)('on the real cgroup: the writes are taken, and the engine stays in the cgroups it was in', async () => {
    const before = await readFile('/proc/self/cgroup', 'utf8');
    const warmer = new CgroupMigrationWarmer();
    const release = warmer.hold();
    await sleep(50);
    // A refused write would have turned the loop off.
    expect(warmer.active).toBe(true);
    release();
    await sleep(10);
    expect(await readFile('/proc/self/cgroup', 'utf8')).toBe(before);
  });
});
