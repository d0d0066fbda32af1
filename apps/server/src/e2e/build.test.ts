import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerBinary } from '../dockerCli.js';
import { fixtureImage } from './fixtureImages.js';
import { startStratad, type StratadProcess } from './stratadProcess.js';

const classic = { env: { DOCKER_BUILDKIT: '0' }, timeoutMs: 60_000 };
const ID = '[0-9a-f]{12}';

/** The lines after the CLI's own banner and "Sending build context" line. */
const buildLines = (stdout: string): string[] => stdout.split('\n').filter((l) => l !== '' && !l.startsWith('Sending build context'));

describe.skipIf(!dockerBinary)('docker build (DOCKER_BUILDKIT=0) against stratad', () => {
  let daemon: StratadProcess;
  let dir: string;
  beforeAll(async () => {
    daemon = await startStratad();
    dir = await mkdtemp(join(tmpdir(), 'strata-build-e2e-'));
    const load = await daemon.docker(['load', '-i', fixtureImage('01-base').tar]);
    expect(load.code).toBe(0);
    await mkdir(join(dir, 'ctx'));
    await writeFile(join(dir, 'ctx/Dockerfile'), 'FROM busybox:local\nENV GREETING=hello\nCOPY hello.txt /app/hello.txt\nWORKDIR /app\nCMD ["cat", "/app/hello.txt"]\n');
    await writeFile(join(dir, 'ctx/hello.txt'), 'hello from context\n');
  });
  afterAll(async () => {
    await daemon?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('prints the classic steps, Running in / Removing for metadata steps, then Successfully built and tagged', async () => {
    const r = await daemon.docker(['build', '-t', 'mybuild:v1', '--build-arg', 'FOO=bar', '--label', 'l1=v1', join(dir, 'ctx')], classic);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('DEPRECATED: The legacy builder is deprecated');
    const want = [
      'Step 1/6 : FROM busybox:local',
      ' ---> d9d3d3752bd1',
      'Step 2/6 : ENV GREETING=hello',
      ` ---> Running in ${ID}`,
      `Removing intermediate container ${ID}`,
      ` ---> ${ID}`,
      'Step 3/6 : COPY hello.txt /app/hello.txt',
      ` ---> ${ID}`,
      'Step 4/6 : WORKDIR /app',
      ` ---> Running in ${ID}`,
      `Removing intermediate container ${ID}`,
      ` ---> ${ID}`,
      'Step 5/6 : CMD \\["cat", "/app/hello.txt"\\]',
      ` ---> Running in ${ID}`,
      `Removing intermediate container ${ID}`,
      ` ---> ${ID}`,
      'Step 6/6 : LABEL l1=v1',
      ` ---> Running in ${ID}`,
      `Removing intermediate container ${ID}`,
      ` ---> ${ID}`,
      '\\[Warning\\] One or more build-args \\[FOO\\] were not consumed',
      `Successfully built ${ID}`,
      'Successfully tagged mybuild:v1',
    ];
    const lines = buildLines(r.stdout);
    expect(lines.length).toBe(want.length);
    lines.forEach((l, i) => expect(l).toMatch(new RegExp(`^${want[i]}$`)));
    const built = lines.at(-2)!.slice('Successfully built '.length);
    const inspect = JSON.parse((await daemon.docker(['image', 'inspect', 'mybuild:v1'])).stdout)[0];
    expect(inspect.Id.slice(7, 19)).toBe(built);
    expect(inspect.Config.Labels).toEqual({ l1: 'v1' });
    expect(inspect.Config.Cmd).toEqual(['cat', '/app/hello.txt']);
    expect(inspect.Config.WorkingDir).toBe('/app');
  });

  it('docker history lists every step with its intermediate image, as the classic builder keeps them', async () => {
    const r = await daemon.docker(['history', '--no-trunc', '--format', '{{.ID}}\t{{.CreatedBy}}', 'mybuild:v1']);
    expect(r.code).toBe(0);
    const rows = r.stdout.trimEnd().split('\n').map((l) => [l.split('\t')[0], l.split('\t')[1] ?? '']);
    expect(rows.map((row) => row[1])).toEqual([
      '/bin/sh -c #(nop)  LABEL l1=v1',
      '/bin/sh -c #(nop)  CMD ["cat" "/app/hello.txt"]',
      '/bin/sh -c #(nop) WORKDIR /app',
      expect.stringMatching(/^\/bin\/sh -c #\(nop\) COPY file:[0-9a-f]{64} in \/app\/hello.txt $/),
      '/bin/sh -c #(nop)  ENV GREETING=hello',
      '',
    ]);
    expect(rows.every((row) => /^sha256:[0-9a-f]{64}$/.test(row[0]))).toBe(true);
    expect(rows.at(-1)![0]).toBe('sha256:d9d3d3752bd1479a851c86cfe0e9eaacb42f77a074be843ffefe136299d13479');
  });

  it('docker images hides the intermediate images, -a lists them too, as dockerd does', async () => {
    const ids = async (...args: string[]) => (await daemon.docker(['images', '-q', '--no-trunc', ...args])).stdout.trim().split('\n').sort();
    const history = (await daemon.docker(['history', '-q', '--no-trunc', 'mybuild:v1'])).stdout.trim().split('\n');
    // mybuild:v1, four intermediates, busybox:local.
    expect(history).toHaveLength(6);
    expect(await ids()).toEqual([history[0], history[5]].sort());
    expect(await ids('-a')).toEqual([...history].sort());
    expect(await ids('--filter', 'dangling=true')).toEqual(['']);
  });

  it('a rebuild takes every step from the cache; -q prints only the ID; --iidfile writes it', async () => {
    const again = await daemon.docker(['build', '-t', 'mybuild:v1', '--build-arg', 'FOO=bar', '--label', 'l1=v1', join(dir, 'ctx')], classic);
    expect(again.code).toBe(0);
    const lines = buildLines(again.stdout);
    expect(lines.filter((l) => l === ' ---> Using cache')).toHaveLength(5);
    expect(lines.filter((l) => l.includes('Running in'))).toHaveLength(0);
    const id = JSON.parse((await daemon.docker(['image', 'inspect', 'mybuild:v1'])).stdout)[0].Id as string;
    const quiet = await daemon.docker(['build', '-q', '--label', 'l1=v1', join(dir, 'ctx')], classic);
    expect(quiet.code).toBe(0);
    expect(quiet.stdout).toBe(`${id}\n`);
    const iidfile = join(dir, 'iid');
    const withFile = await daemon.docker(['build', '--iidfile', iidfile, '--label', 'l1=v1', join(dir, 'ctx')], classic);
    expect(withFile.code).toBe(0);
    expect(await readFile(iidfile, 'utf8')).toBe(id);
  });

  it('fails with the classic messages and exit code 1, moving no tag', async () => {
    const bad = join(dir, 'bad');
    await mkdir(bad);
    const before = JSON.parse((await daemon.docker(['image', 'inspect', 'mybuild:v1'])).stdout)[0].Id;
    const cases: Array<[string, string]> = [
      ['FROM busybox:local\nFOO bar\n', 'Error response from daemon: Dockerfile parse error line 2: unknown instruction: FOO'],
      ['FROM busybox:local\nCOPY ../x /x\n', 'COPY failed: forbidden path outside the build context: ../x ()'],
      ['FROM busybox:local\nCOPY missing.txt /x\n', 'COPY failed: file not found in build context or excluded by .dockerignore: stat missing.txt: file does not exist'],
      ['FROM busybox:local\nCOPY --from=nosuchstage /a /b\n', 'invalid from flag value nosuchstage: No such image: nosuchstage'],
    ];
    for (const [dockerfile, message] of cases) {
      await writeFile(join(bad, 'Dockerfile'), dockerfile);
      const r = await daemon.docker(['build', '-t', 'mybuild:v1', bad], classic);
      expect(r.code, dockerfile).toBe(1);
      expect(r.stderr, dockerfile).toContain(message);
    }
    const after = JSON.parse((await daemon.docker(['image', 'inspect', 'mybuild:v1'])).stdout)[0].Id;
    expect(after).toBe(before);
  });

  it('rmi of an intermediate image is a conflict; rmi of the built image deletes its intermediates too, as dockerd prunes parents', async () => {
    const chain = join(dir, 'chain');
    await mkdir(chain);
    await writeFile(join(chain, 'Dockerfile'), 'FROM busybox:local\nENV A=1\nENV B=2\n');
    expect((await daemon.docker(['build', '-t', 'chain:v1', chain], classic)).code).toBe(0);
    const [top, middle, base] = (await daemon.docker(['history', '-q', '--no-trunc', 'chain:v1'])).stdout.trim().split('\n');
    const refused = await daemon.docker(['rmi', middle.slice(7, 19)]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(`Error response from daemon: conflict: unable to delete ${middle.slice(7, 19)} (cannot be forced) - image has dependent child images\n`);
    const removed = await daemon.docker(['rmi', 'chain:v1']);
    expect(removed.stdout).toBe(`Untagged: chain:v1\nDeleted: ${top}\nDeleted: ${middle}\n`);
    const left = (await daemon.docker(['images', '-a', '-q', '--no-trunc'])).stdout;
    expect(left).not.toContain(middle);
    expect(left).toContain(base);
  });
});
