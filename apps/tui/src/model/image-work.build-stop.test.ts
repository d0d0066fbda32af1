// Stopping a build from the jobs panel (`X`): the RUN step's container is stopped, the job ends
// as cancelled, no tag is made and no container is left. Needs root, runc and conmon.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openEmbeddedEngine, type EmbeddedEngine } from '../cli/data-root-engine.js';
import { nodeHostFiles } from '../cli/host-files.js';
import { openLoadSource, runLoad } from '../cli/load-command.js';
import { fixtureArchivePath } from '../testing/fixture-archive.js';
import { ImageWork, type WorkHost } from './image-work.js';
import { JobBoard } from './job-board.js';
import { containerSkipReason } from '../testing/container-skip.js';

const skip = containerSkipReason();

let dir: string;
let embedded: EmbeddedEngine | undefined;
let jobs: JobBoard | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-tui-build-stop-'));
});
afterEach(async () => {
  // A test that failed before its stop still ends the build (its RUN container removed by force), so no
  // container or mount outlives it.
  jobs?.cancelNewest();
  for (const c of (await embedded?.engine.listContainers({ all: true })) ?? []) await embedded?.engine.removeContainer(c.Id, { force: true }).catch(() => undefined);
  await jobs?.settled();
  jobs = undefined;
  await embedded?.close();
  embedded = undefined;
  await rm(dir, { recursive: true, force: true });
});

describe.skipIf(skip !== '')(`stopping a build from the jobs panel${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it('stops the running RUN step: the job ends cancelled, no tag, no container left', { timeout: 45_000 }, async () => {
    embedded = await openEmbeddedEngine(join(dir, 'root'), { withRuntime: true });
    const { engine } = embedded;
    await runLoad(engine, await openLoadSource({ input: fixtureArchivePath('01-base'), stdin: process.stdin }), () => undefined);
    const context = join(dir, 'context');
    await mkdir(context);
    // Longer than the test's timeout: only a stop ends this build in time.
    await writeFile(join(context, 'Dockerfile'), 'FROM busybox:local\nRUN sleep 120\nLABEL after=run\n');

    const notices: string[] = [];
    const host: WorkHost = { ask: () => undefined, fail: (m) => notices.push(`fail: ${m}`), notify: (m) => notices.push(m), showJobs: () => undefined };
    jobs = new JobBoard();
    const board = jobs;
    const work = new ImageWork(engine, board, host, nodeHostFiles(process.stdin));
    const building = work.build(context, 'Dockerfile', 'stopped:v1');
    // The RUN step has its container once its "Running in" line is in the log.
    await new Promise<void>((resolve) => {
      const seen = () => board.jobs[0]?.lines.some((l) => l.text.includes('Running in')) ?? false;
      if (seen()) return resolve();
      const off = board.subscribe(() => {
        if (!seen()) return;
        off();
        resolve();
      });
    });
    expect(board.running.map((j) => j.title)).toEqual(['build context -t stopped:v1'.replace('context', context)]);
    expect(board.cancelNewest()).toBe(true);
    await building;

    const [job] = board.jobs;
    expect(job?.state).toBe('cancelled');
    expect(job?.lines.some((l) => l.text.includes('Step 3/3'))).toBe(false);
    expect((await engine.listImages()).flatMap((i) => i.RepoTags ?? [])).toEqual(['busybox:local']);
    expect(await engine.listContainers({ all: true })).toEqual([]);
    expect(board.cancelNewest()).toBe(false);
  });
});
