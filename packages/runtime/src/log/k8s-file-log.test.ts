import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LogRecord } from '@strata/core';
import { readK8sLog, timeNanos, utcTime } from './k8s-file-log.js';

// Lines as conmon 2.1.6 writes them (runtime-recipes §3.4a).
const LOG = [
  '2026-11-22T23:03:32.100000000+00:00 stdout F first',
  '2026-11-22T23:03:33.543774957+00:00 stderr F err',
  '2026-11-22T23:03:34.000000001+00:00 stdout P part-',
  '2026-11-22T23:03:34.000000002+00:00 stdout F ial',
  '2026-11-22T23:03:35.5+00:00 stdout F ',
  '',
].join('\n');

const texts = (records: LogRecord[]) => records.map((r) => `${r.stream}:${Buffer.from(r.bytes).toString()}${r.partial ? '|P' : ''}`);

async function all(path: string, options = {}): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  for await (const r of readK8sLog(path, options)) out.push(r);
  return out;
}

describe('k8s-file log', () => {
  let dir: string;
  let path: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'strata-log-'));
    path = join(dir, 'ctr.log');
    await writeFile(path, LOG);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('reads records with their stream, bytes (F gets its newline back) and Go-style UTC times', async () => {
    const records = await all(path);
    expect(texts(records)).toEqual(['stdout:first\n', 'stderr:err\n', 'stdout:part-|P', 'stdout:ial\n', 'stdout:\n']);
    expect(records.map((r) => r.time)).toEqual([
      '2026-11-22T23:03:32.1Z',
      '2026-11-22T23:03:33.543774957Z',
      '2026-11-22T23:03:34.000000001Z',
      '2026-11-22T23:03:34.000000002Z',
      '2026-11-22T23:03:35.5Z',
    ]);
  });

  it('a log larger than one read (64 KiB) comes back whole: a line cut at the read boundary is not lost', async () => {
    // `seq 1 3000` as conmon logs it: about 150 KiB, so reads end inside lines.
    const lines = Array.from({ length: 3000 }, (_, i) => `2026-11-30T14:09:20.777645371+00:00 stdout F ${i + 1}`);
    await writeFile(path, `${lines.join('\n')}\n`);
    const records = await all(path);
    expect(records.map((r) => Buffer.from(r.bytes).toString()).join('')).toBe(Array.from({ length: 3000 }, (_, i) => `${i + 1}\n`).join(''));
  });

  it('tail, since and until as dockerd applies them', async () => {
    expect(texts(await all(path, { tail: 2 }))).toEqual(['stdout:ial\n', 'stdout:\n']);
    expect(await all(path, { tail: 0 })).toEqual([]);
    const at = Number(timeNanos('2026-11-22T23:03:33.543774957+00:00') / 1000n) / 1e6;
    expect(texts(await all(path, { since: Math.floor(at) + 1 }))).toEqual(['stdout:part-|P', 'stdout:ial\n', 'stdout:\n']);
    expect(texts(await all(path, { until: Math.floor(at) + 1 }))).toEqual(['stdout:first\n', 'stderr:err\n']);
    expect(texts(await all(path, { since: Math.floor(at), until: Math.floor(at) + 1 }))).toEqual(['stderr:err\n']);
  });

  it('follows appended lines until the process has exited', async () => {
    let exit!: () => void;
    const exited = new Promise<void>((r) => (exit = r));
    const got: string[] = [];
    const reading = (async () => {
      for await (const r of readK8sLog(path, { follow: true, tail: 1 }, { exited })) got.push(Buffer.from(r.bytes).toString());
    })();
    await new Promise((r) => setTimeout(r, 100));
    await appendFile(path, '2026-11-22T23:03:36.000000000+00:00 stdout F later\n2026-11-22T23:03:36.1+00:00 std');
    await new Promise((r) => setTimeout(r, 100));
    await appendFile(path, 'err F last\n');
    exit();
    await reading;
    expect(got).toEqual(['\n', 'later\n', 'last\n']);
  });

  it('utcTime leaves other offsets alone', () => {
    expect(utcTime('2026-11-22T23:03:32.000000000+00:00')).toBe('2026-11-22T23:03:32Z');
    expect(timeNanos('1970-01-01T00:00:01.5Z')).toBe(1_500_000_000n);
  });
});
