import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerBinary } from '../dockerCli.js';
import { containerE2eSkipReason } from './containerE2eSkip.js';
import { fixtureImage } from './fixtureImages.js';
import { startStratad, type StratadProcess } from './stratadProcess.js';

const skipReason = containerE2eSkipReason([], 'RUN steps need root here');
if (skipReason) console.log(`build cancel e2e skipped: ${skipReason}`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(skipReason !== '')('docker build interrupted by the client (classic builder)', () => {
  let daemon: StratadProcess;
  let dir: string;
  beforeAll(async () => {
    daemon = await startStratad();
    dir = await mkdtemp(join(tmpdir(), 'strata-build-cancel-e2e-'));
    expect((await daemon.docker(['load', '-i', fixtureImage('01-base').tar])).code).toBe(0);
    await mkdir(join(dir, 'ctx'));
    await mkdir(join(dir, 'cli'));
    await writeFile(join(dir, 'ctx/Dockerfile'), 'FROM busybox:local\nRUN echo started && sleep 600\nLABEL never=reached\n');
  });
  afterAll(async () => {
    await daemon?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('Ctrl-C of the CLI during a RUN kills and removes its container, and tags nothing', async () => {
    const cli = spawn(dockerBinary!, ['-H', daemon.host, 'build', '--network', 'none', '-t', 'cancel:cli', join(dir, 'ctx')], {
      env: { ...process.env, DOCKER_BUILDKIT: '0', DOCKER_CONFIG: join(dir, 'cli') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((r) => cli.once('close', (code) => r(code)));
    try {
      let out = '';
      await new Promise<void>((resolve, reject) => {
        cli.stdout!.on('data', (b: Buffer) => {
          out += b.toString();
          if (out.includes('started\n')) resolve();
        });
        cli.once('close', () => reject(new Error(`the CLI ended before the RUN printed: ${out}`)));
      });
      expect(out).toMatch(/Step 2\/3 : RUN echo started && sleep 600\n ---> Running in [0-9a-f]{12}\n/);
      cli.kill('SIGINT');
      expect(await exited).not.toBe(0);
    } finally {
      if (cli.exitCode === null && cli.signalCode === null) cli.kill('SIGKILL');
    }
    // The daemon notices the closed connection, kills the RUN container and removes it.
    for (;;) {
      const ps = await daemon.docker(['ps', '-aq']);
      expect(ps.code).toBe(0);
      if (ps.stdout.trim() === '') break;
      await sleep(200);
    }
    const tagged = await daemon.docker(['images', '-q', 'cancel:cli']);
    expect(tagged.stdout.trim()).toBe('');
  }, 60_000);
});
