import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { fixturesDir } from '../captureFixtures.js';
import { startStratad, type StratadProcess } from './stratadProcess.js';
import { containerE2eSkipReason } from './containerE2eSkip.js';

const skipReason = containerE2eSkipReason();
if (skipReason) console.log(`exec stdin e2e skipped: ${skipReason}`);

describe.skipIf(skipReason !== '')('docker exec -i without a tty, through the real docker CLI', () => {
  let daemon: StratadProcess;
  const docker = (args: string[], input?: string) => daemon.docker(args, { timeoutMs: 60_000, ...(input !== undefined ? { input } : {}) });

  beforeAll(async () => {
    daemon = await startStratad();
    expect((await docker(['load', '-i', join(fixturesDir, 'images/01-base/image.tar')])).stdout).toBe('Loaded image: busybox:local\n');
    expect((await docker(['run', '-d', '--name', 'sink', 'busybox:local', 'sleep', '600'])).code).toBe(0);
  });

  afterAll(async () => {
    await daemon?.docker(['rm', '-f', 'sink']).catch(() => undefined);
    await daemon?.dispose();
  });

  it('input holding Ctrl-P Ctrl-Q goes through whole (dockerd looks for detach keys only on a tty)', async () => {
    const line = 'a\x10\x11b\n';
    const echoed = await docker(['exec', '-i', 'sink', 'cat'], line);
    expect({ code: echoed.code, stdout: echoed.stdout }).toEqual({ code: 0, stdout: line });
  });

  it('input larger than the pipes hold reaches the process whole, then its end; the output follows', async () => {
    const input = 'x\x10\x11'.repeat(100_000);
    const counted = await docker(['exec', '-i', 'sink', 'sh', '-c', 'wc -c; echo done'], input);
    expect({ code: counted.code, stdout: counted.stdout.replace(/^ +/, '') }).toEqual({ code: 0, stdout: '300000\ndone\n' });
  });

  it('the exit code of a process reading stdin is its own', async () => {
    const r = await docker(['exec', '-i', 'sink', 'sh', '-c', 'read x; echo "got $x"; exit 42'], 'hello\n');
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 42, stdout: 'got hello\n' });
  });
});
