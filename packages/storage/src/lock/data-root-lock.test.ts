import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { build } from 'tsup';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDir } from '../testing/fixture-files.js';
import { DataRootInUseError, DataRootLock, LOCK_FILE, type DataRootOwner } from './data-root-lock.js';

let buildDir: string;
let holderScript: string;
let root: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  // The holder runs the real lock code in its own process: bundle it from source.
  buildDir = await makeTempDir('lock-holder');
  await build({
    entry: { 'lock-holder': join(import.meta.dirname, 'lock-holder-process.ts') },
    outDir: buildDir,
    format: ['esm'],
    platform: 'node',
    target: 'node20',
    noExternal: [/.*/],
    outExtension: () => ({ js: '.mjs' }),
    config: false,
    silent: true,
    dts: false,
    sourcemap: false,
    clean: false,
  });
  holderScript = join(buildDir, 'lock-holder.mjs');
}, 60_000);
afterAll(async () => {
  await removeTempDir(buildDir);
});
beforeEach(async () => {
  root = await makeTempDir('lock');
});
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await removeTempDir(root);
});

const exited = async (child: ChildProcess): Promise<void> => {
  if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
};

interface HolderReport {
  owner?: DataRootOwner;
  error?: { kind: string; message: string };
}

/** Start a process that tries to take the lock; resolves with what it reported (it holds the lock when `owner` is set). */
async function startHolder(socket?: string): Promise<{ child: ChildProcess; report: HolderReport; owner: DataRootOwner }> {
  const child = spawn(process.execPath, [holderScript, root, ...(socket ? [socket] : [])], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  const lines = createInterface({ input: child.stdout! });
  const [line] = (await Promise.race([once(lines, 'line'), once(lines, 'close').then(() => [undefined])])) as [string | undefined];
  if (line === undefined) throw new Error('lock holder exited without a word');
  const report = JSON.parse(line) as HolderReport;
  return { child, report, owner: report.owner! };
}

describe('DataRootLock', () => {
  it('refuses a data root held by a live process and names it and its socket', async () => {
    const { child, owner } = await startHolder('/run/strata-test.sock');
    expect(owner.pid).toBe(child.pid);
    const err = await DataRootLock.acquire(root).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataRootInUseError);
    expect((err as DataRootInUseError).kind).toBe('conflict');
    expect((err as DataRootInUseError).message).toBe(`data root ${root} is in use by process ${child.pid}`);
    expect((err as DataRootInUseError).owner).toMatchObject({ pid: child.pid, socket: '/run/strata-test.sock' });
    expect(await DataRootLock.ownerOf(root)).toMatchObject({ pid: child.pid, socket: '/run/strata-test.sock' });
  });

  it('takes over the lock of a process that died holding it', async () => {
    const { child } = await startHolder();
    child.kill('SIGKILL');
    await exited(child);
    expect(JSON.parse(await readFile(join(root, LOCK_FILE), 'utf8')).pid).toBe(child.pid);
    expect(await DataRootLock.ownerOf(root)).toBeUndefined();
    const lock = await DataRootLock.acquire(root);
    expect(JSON.parse(await readFile(join(root, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    await lock.release();
  });

  it('is free again once the holder releases it', async () => {
    const { child } = await startHolder();
    child.stdin!.end();
    await exited(child);
    expect(await readdir(root)).toEqual([]);
    const lock = await DataRootLock.acquire(root);
    await lock.release();
  });

  it('keeps a second holder out, then lets it in after release', async () => {
    const lock = await DataRootLock.acquire(root, { socket: '/tmp/a.sock' });
    await expect(DataRootLock.acquire(root)).rejects.toThrow(`data root ${root} is in use by process ${process.pid}`);
    const refused = await startHolder();
    expect(refused.report).toEqual({ error: { kind: 'conflict', message: `data root ${root} is in use by process ${process.pid}` } });
    await exited(refused.child);
    expect(refused.child.exitCode).toBe(2);
    await lock.setSocket('/tmp/b.sock');
    expect(JSON.parse(await readFile(join(root, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid, socket: '/tmp/b.sock' });
    await lock.release();
    await expect(readFile(join(root, LOCK_FILE))).rejects.toMatchObject({ code: 'ENOENT' });
    const { owner } = await startHolder();
    expect(owner.pid).not.toBe(process.pid);
  });

  it('treats a live PID that now names another process as stale', async () => {
    const { child, owner } = await startHolder();
    // Same PID, different start time: the PID was reused after the owner died.
    await writeFile(join(root, LOCK_FILE), JSON.stringify({ ...owner, startTime: '1' }));
    const lock = await DataRootLock.acquire(root);
    expect(lock.owner.pid).toBe(process.pid);
    expect(child.exitCode).toBeNull();
    await lock.release();
  });

  it('takes over a lock naming its own PID that it does not hold (a reused PID after a restart), and garbage', async () => {
    await writeFile(join(root, LOCK_FILE), JSON.stringify({ pid: process.pid }));
    const first = await DataRootLock.acquire(root);
    await first.release();
    await writeFile(join(root, LOCK_FILE), '');
    const second = await DataRootLock.acquire(root);
    expect(second.owner.pid).toBe(process.pid);
    await second.release();
  });
});
