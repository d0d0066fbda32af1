import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Daemon, startDaemon } from '@strata/server';
import { DataRootLock } from '@strata/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureArchivePath } from '../testing/fixture-archive.js';
import { fetchAnalysis } from './analyze-client.js';

const cli = join(dirname(fileURLToPath(import.meta.url)), '../../dist/cli.js');
let dir: string;
let root: string;
let daemon: Daemon | undefined;

/** `strata` as a child process; asynchronous, so the daemon in this process keeps answering meanwhile. */
function strata(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, '--data-root', root, ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ status: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'strata-analyze-client-'));
  root = join(dir, 'root');
  for (const f of ['01-base', '03-opaque']) expect((await strata('load', fixtureArchivePath(f))).status).toBe(0);
});
afterAll(async () => {
  await daemon?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the analysis through stratad', () => {
  it('is what the embedded engine computes: strata analyze becomes a client of the daemon that owns the data root', async () => {
    const socket = join(dir, 'stratad.sock');
    daemon = await startDaemon({ dataRoot: root, hosts: [`unix://${socket}`], log: () => undefined });

    const served = await fetchAnalysis(socket, 'fixture/03-opaque:v1', { top: 5 });
    const viaDaemon = await strata('analyze', 'fixture/03-opaque:v1', '--top', '5', '--json', 'client.json');
    expect(viaDaemon.stderr).toBe('');
    expect(viaDaemon.status).toBe(0);
    const missing = await strata('analyze', 'no/such:image');
    expect(missing).toMatchObject({ status: 2, stderr: 'strata: No such image: no/such:image\n' });
    await expect(fetchAnalysis(socket, 'no/such:image')).rejects.toMatchObject({ kind: 'not-found', message: 'No such image: no/such:image' });
    await daemon.close();
    daemon = undefined;

    // The daemon kept its analysis in the data root: without it, the embedded engine computes anew.
    rmSync(join(root, 'metadata', 'image-analysis'), { recursive: true, force: true });
    const embedded = await strata('analyze', 'fixture/03-opaque:v1', '--top', '5', '--json', 'embedded.json');
    expect(embedded.status).toBe(0);

    const fromDaemon = JSON.parse(readFileSync(join(dir, 'client.json'), 'utf8'));
    const fromEngine = JSON.parse(readFileSync(join(dir, 'embedded.json'), 'utf8'));
    expect(fromDaemon).toEqual(fromEngine);
    expect(served.report()).toEqual(fromEngine);
    expect(viaDaemon.stdout).toBe(embedded.stdout);
    expect(fromEngine.honest).toMatchObject({ baseSource: 'image:busybox:local', wastedBytes: 18, userSize: 30 });
    expect(fromEngine.dive.wastedBytes).toBe(8);
    expect(served.summary.layers.map((l) => l.counts.removed)).toEqual(fromEngine.layers.map((l: { counts: { removed: number } }) => l.counts.removed));
  });

  it('says so, with its own exit status, when the owner of the data root does not answer on its socket', async () => {
    const lock = await DataRootLock.acquire(root, { socket: join(dir, 'nobody-listens.sock') });
    try {
      const r = await strata('analyze', 'fixture/03-opaque:v1', '--json', 'never.json');
      expect(r.status).toBe(5);
      expect(r.stderr).toMatch(/^strata: cannot reach stratad on unix:\/\/.*nobody-listens\.sock: .*ENOENT/);
      expect(existsSync(join(dir, 'never.json'))).toBe(false);
    } finally {
      await lock.release();
    }
  });
});
