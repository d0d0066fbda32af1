// End to end, as a person would, on the Images side: the app on a fresh data root in tmux; an
// archive loaded, a container run from it with a volume, its logs, the Layers tab finding the
// file a later layer removed and extracting another to the host, a pull from a real
// docker-registry on 127.0.0.1 with per-layer progress, a build with its step log (the second
// from the cache), a save, volumes created and pruned, the container stopped and removed, the
// Disk usage prunes, quit. Needs root, runc and conmon (and docker-registry and skopeo for the pull).
// With STRATA_SCREENSHOTS=DIR the captured screens are written there (docs/screens.md).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerRegistryBinary, startLocalRegistry, type LocalRegistry } from '@strata/registry';
import { fixtureArchivePath } from '../testing/fixture-archive.js';
import { openEmbeddedEngine } from '../cli/data-root-engine.js';
import { keepScreen as keep, tmuxTerminal } from './tmux-terminal.js';
import { containerSkipReason } from '../testing/container-skip.js';

const run = promisify(execFile);
const cli = join(dirname(fileURLToPath(import.meta.url)), '../../dist/cli.js');
const session = `strata-e2e-img-${process.pid}`;

function skipReason(): string {
  const containers = containerSkipReason();
  if (containers) return containers;
  if (!existsSync(dockerRegistryBinary)) return `${dockerRegistryBinary} is not installed`;
  if (!existsSync('/usr/bin/skopeo')) return 'skopeo is not installed (it pushes the fixture to the registry)';
  return '';
}
const skip = skipReason();

let socket: string;
let workDir: string;
let dataRoot: string;
let registry: LocalRegistry | undefined;
const { tmux, screen, type, waitFor } = tmuxTerminal(session, () => socket);
/** Each key on its own, a moment apart: Ink reads keys that arrive together as one typed text. */
const keys = async (...k: string[]): Promise<void> => {
  for (const key of k) {
    await tmux('send-keys', '-t', session, key);
    await new Promise((r) => setTimeout(r, 150));
  }
};

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'strata-tui-e2e-img-'));
  dataRoot = join(workDir, 'data-root');
  socket = join(workDir, 'tmux.sock');
  if (skip) return;
  registry = await startLocalRegistry();
  await run('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `docker-archive:${fixtureArchivePath('03-opaque')}`, `docker://${registry.host}/fixture/03-opaque:v1`]);
  const context = join(workDir, 'context');
  await mkdir(context);
  await writeFile(join(context, 'Dockerfile'), 'FROM fixture/02-whiteout:v1\nCOPY greeting.txt /greeting.txt\nRUN cat /greeting.txt > /data/copied.txt\nENV STAGE=e2e\n');
  await writeFile(join(context, 'greeting.txt'), 'hello from the build context\n');
}, 60_000);
afterAll(async () => {
  await tmux('kill-server').catch(() => undefined);
  await registry?.stop();
  // Whatever the test left running goes, through the engine (it stops the container's processes and unmounts).
  // The app lets the data root go once tmux's hangup reaches it; until then opening it fails.
  let left: Awaited<ReturnType<typeof openEmbeddedEngine>> | undefined;
  for (let attempt = 0; attempt < 50 && !left && existsSync(dataRoot); attempt++) {
    left = await openEmbeddedEngine(dataRoot, { withRuntime: true }).catch(() => undefined);
    if (!left) await new Promise((r) => setTimeout(r, 200));
  }
  if (left) {
    await left.engine.ready;
    for (const c of await left.engine.listContainers({ all: true })) await left.engine.removeContainer(c.Id, { force: true }).catch(() => undefined);
    await left.close();
  }
  await rm(workDir, { recursive: true, force: true });
}, 60_000);

describe.skipIf(skip !== '')(`strata's Images side in a terminal${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it('loads, runs, reads logs, finds a removed file in Layers, extracts, pulls, builds, saves, prunes, removes and quits', async () => {
    expect(existsSync(cli), `${cli} is built by \`pnpm build\``).toBe(true);
    const shell = `cd '${workDir}' && CI=true '${process.execPath}' '${cli}' --data-root '${dataRoot}'; echo "strata exited $?"; exec sleep 600`;
    await tmux('new-session', '-d', '-s', session, '-x', '150', '-y', '40', 'sh', '-c', shell);
    let text = await waitFor('the first frame', (t) => t.includes('[1] Containers') && t.includes('No containers.'));

    // Load a fixture whose last layer removes files.
    await keys('2');
    await waitFor('the Images panel', (t) => t.includes('No images yet.'));
    await keys('L');
    await waitFor('the load form', (t) => t.includes('Load images from a docker save archive'));
    await type(fixtureArchivePath('02-whiteout'));
    await keys('Enter');
    await waitFor('the loaded image', (t) => t.includes('Loaded image: fixture/02-whiteout:v1') && /fixture\/02-whiteout\s+v1\s+07019df820f5/.test(t));

    // Run a container from it with a named volume; the app jumps to it and follows its logs.
    await keys('r');
    await waitFor('the run form', (t) => t.includes('Run a container from fixture/02-whiteout:v1') && t.includes('Volumes:'));
    await type('e2e-layers');
    await keys('Tab');
    await type(`sh -c 'echo data holds $(ls /data); echo $MOOD > /vol/mood; trap "exit 0" TERM; while true; do sleep 1; done'`);
    await keys('Tab');
    await type('MOOD=curious');
    await keys('Tab', 'Tab');
    await type('e2e-vol:/vol');
    text = await waitFor('the filled run form', (t) => /› Volumes:\s+e2e-vol:\/vol/.test(t));
    await keep('run-form-full', text);
    await keys('Enter');
    text = await waitFor('the running container and its logs', (t) => /▶ running\s+e2e-layers\s+fixture\/02-whiteout:v1/.test(t) && t.includes('data holds keep.txt'));

    // Layers: the last layer removed /data/remove-me.txt; the path filter finds it.
    await keys('2');
    await waitFor('the Images panel', (t) => t.includes('r run  t tag'));
    await keys('Tab', 'Tab');
    await waitFor('the Layers tab', (t) => /Layer 2: \d+ changes/.test(t));
    await keys('Enter');
    await keys('/');
    await type('remove');
    await keys('Enter');
    text = await waitFor('the removed file', (t) => /-\s+7B \/data\/remove-me\.txt/.test(t) && t.includes('paths with "remove"'));
    await keep('layers-filter', text);
    // Every layer up to 2, largest first, then without what layer 2 left unchanged.
    // Ink would read Escape and a key right after it as alt-key: the next keys wait for its effect.
    await keys('/', 'Escape');
    await waitFor('the filter cleared', (t) => !t.includes('paths with') && /Layer 2: \d+ changes/.test(t));
    await keys('a', 'o');
    text = await waitFor('the aggregated tree by size', (t) => t.includes('Every layer up to 2') && t.includes('sorted by size') && /1\.98MB \/bin\/busybox/.test(t));
    await keep('layers-by-size', text);
    await keys('u');
    await waitFor('the unchanged hidden', (t) => t.includes('unchanged hidden') && !t.includes('/bin/busybox'));
    await keys('u', 'o', 'a');

    // Extract /data/keep.txt to the host: the filter suggests the path.
    await keys('/');
    await type('keep');
    await keys('Enter');
    await waitFor('the kept file', (t) => t.includes('paths with "keep"'));
    await keys('x');
    text = await waitFor('the extract form', (t) => t.includes('Extract a file of fixture/02-whiteout:v1 to the host') && t.includes('Path in image: /data/keep.txt'));
    await type('keep-from-image.txt');
    text = await waitFor('the filled extract form', (t) => /› Save to:\s+keep-from-image\.txt/.test(t));
    await keep('extract-form', text);
    await keys('Enter');
    await waitFor('the extracted file', (t) => t.includes('extracted /data/keep.txt to keep-from-image.txt (5B)'));
    expect(await readFile(join(workDir, 'keep-from-image.txt'), 'utf8')).toBe('keep\n');
    await keys('x');
    await waitFor('the extract form again', (t) => t.includes('Extract a file of fixture/02-whiteout:v1 to the host'));
    await type('keep-from-image.txt');
    await keys('Enter');
    await waitFor('the overwrite question', (t) => t.includes('keep-from-image.txt exists. Overwrite it? (y/n)'));
    await keys('n');
    await keys('Escape');
    await waitFor('the list keys', (t) => t.includes('enter main'));

    // Pull from the registry on 127.0.0.1: the jobs panel shows a row per layer.
    await keys('p');
    await waitFor('the pull form', (t) => t.includes('Pull an image from its registry'));
    await type(`${registry!.host}/fixture/03-opaque:v1`);
    await keys('Enter');
    text = await waitFor('the finished pull', (t) => t.includes(`✓ pull ${registry!.host}/fixture/03-opaque:v1`) && /Pull complete/.test(t), 60_000);
    expect(text).toMatch(/[0-9a-f]{12}: Already exists/);
    await keep('jobs-pull', text);
    await keys('J');
    await waitFor('the pulled image', (t) => t.includes(`${registry!.host}/fixture/03-opaque`) && !t.includes('Jobs ('));

    // Build the context twice: the step log, then the same steps from the cache.
    await keys('b');
    await waitFor('the build form', (t) => t.includes('Build an image (classic builder)'));
    await type(join(workDir, 'context'));
    await keys('Tab', 'Tab');
    await type('e2e-built:v1');
    text = await waitFor('the filled build form', (t) => /› Tag:\s+e2e-built:v1/.test(t));
    await keep('build-form', text);
    await keys('Enter');
    text = await waitFor('the finished build', (t) => t.includes('Successfully tagged e2e-built:v1') && /built [0-9a-f]{12} as e2e-built:v1: 4 steps, 0 from cache/.test(t), 120_000);
    expect(text).toContain('Step 3/4 : RUN cat /greeting.txt > /data/copied.txt');
    expect(text).toMatch(/---> Running in [0-9a-f]{12}/);
    await keys('b');
    await waitFor('the build form again', (t) => t.includes('Build an image (classic builder)'));
    await type(join(workDir, 'context'));
    await keys('Tab', 'Tab');
    await type('e2e-built:v2');
    await keys('Enter');
    text = await waitFor('the cached build', (t) => /built [0-9a-f]{12} as e2e-built:v2: 4 steps, 3 from cache/.test(t), 60_000);
    expect(text).toContain('---> Using cache');
    await keep('jobs-build', text);
    await keys('J');

    // Save the selected image to a file.
    await keys('S');
    await waitFor('the save form', (t) => t.includes('to a docker save archive'));
    await keys('C-u');
    await type('saved.tar');
    await keys('Enter');
    await waitFor('the saved archive', (t) => /saved \S+ to saved\.tar \(\d/.test(t));
    expect((await stat(join(workDir, 'saved.tar'))).size).toBeGreaterThan(1_000_000);

    // Volumes: the run's volume is in use; a new one is created and pruned.
    await keys('3');
    await waitFor('the volumes', (t) => /local\s+e2e-vol/.test(t) && t.includes('Used by: '));
    await keys('c');
    await waitFor('the volume form', (t) => t.includes('Create a volume'));
    await type('e2e-extra');
    await keys('Enter');
    await waitFor('the new volume', (t) => /local\s+e2e-extra/.test(t));
    await keys('P');
    text = await waitFor('the prune question', (t) => t.includes('Remove 1 unused volume (e2e-extra)? (y/n)'));
    await keep('volumes-prune', text);
    await keys('y');
    await waitFor('the pruned volume', (t) => !/local\s+e2e-extra/.test(t) && /local\s+e2e-vol/.test(t));

    // Stop and remove the container.
    await keys('1');
    await waitFor('the Containers panel', (t) => /e2e-layers/.test(t) && t.includes('enter main'));
    await keys('s');
    await waitFor('the stopped container', (t) => /■ exited\s+e2e-layers/.test(t), 60_000);
    await keys('d');
    await waitFor('the question', (t) => t.includes('Remove container e2e-layers? (y/n)'));
    await keys('y');
    await waitFor('no containers', (t) => t.includes('No containers.'));

    // Disk usage: what each prune frees; prune all after the question.
    await keys('4');
    text = await waitFor('the disk usage', (t) => /TYPE\s+TOTAL\s+ACTIVE\s+SIZE\s+RECLAIMABLE\s+PRUNE FREES/.test(t) && /Local Volumes\s+1\s+0/.test(t));
    await keep('disk-usage', text);
    await keys('P');
    text = await waitFor('the prune-all question', (t) => /Remove \d+ dangling images, 0 stopped containers, 1 unused volumes, 0 build cache\? That frees about/.test(t));
    await keep('disk-prune-question', text);
    await keys('y');
    await waitFor('the prune', (t) => /removed \d+ dangling images, 0 stopped containers, 1 unused volumes, 0 build cache; reclaimed/.test(t));

    await keys('q');
    text = await waitFor('strata to exit', (t) => t.includes('strata exited'));
    expect(text).toContain('strata exited 0');
  }, 300_000);
});
