// End to end, as a person would, with a real container: the app on a fresh data root in tmux,
// an archive loaded from the form, a container run from it, its logs searched, its Inspect and
// Top tabs, a shell in it (the screen handed over and back), attach and detach, its Diff and Stats
// tabs, stop, remove (after the question), quit. Needs root, runc and conmon.
// With STRATA_SCREENSHOTS=DIR the captured screens are written there (the README's screenshots).
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureArchivePath } from '../testing/fixture-archive.js';
import { openEmbeddedEngine } from '../cli/data-root-engine.js';
import { keepScreen as keep, tmuxTerminal } from './tmux-terminal.js';
import { containerSkipReason } from '../testing/container-skip.js';

const cli = join(dirname(fileURLToPath(import.meta.url)), '../../dist/cli.js');
const session = `strata-e2e-ctr-${process.pid}`;

const skip = containerSkipReason();

let socket: string;
let workDir: string;
let dataRoot: string;
const { tmux, screen, keys, type, paneFlag, waitFor } = tmuxTerminal(session, () => socket);

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'strata-tui-e2e-ctr-'));
  dataRoot = join(workDir, 'data-root');
  socket = join(workDir, 'tmux.sock');
});
afterAll(async () => {
  await tmux('kill-server').catch(() => undefined);
  // Whatever the test left running goes, through the engine (it stops the container's processes and unmounts).
  // strata lets go of the data root once tmux's hangup has reached it; on a loaded machine that takes a while.
  for (let i = 0; i < 100 && existsSync(join(dataRoot, 'strata.lock')); i++) await new Promise((r) => setTimeout(r, 200));
  const left = await openEmbeddedEngine(dataRoot, { withRuntime: true }).catch(() => undefined);
  if (left) {
    for (const c of await left.engine.listContainers({ all: true })) await left.engine.removeContainer(c.Id, { force: true }).catch(() => undefined);
    await left.close();
  }
  await rm(workDir, { recursive: true, force: true });
}, 60_000);

describe.skipIf(skip !== '')(`strata with a real container in a terminal${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it('loads, runs, reads and searches logs, stops, removes and quits', async () => {
    expect(existsSync(cli), `${cli} is built by \`pnpm build\``).toBe(true);
    const shell = `CI=true '${process.execPath}' '${cli}' --data-root '${dataRoot}'; echo "strata exited $?"; exec sleep 600`;
    await tmux('new-session', '-d', '-s', session, '-x', '150', '-y', '36', 'sh', '-c', shell);
    let text = await waitFor('the first frame', (t) => t.includes('[1] Containers') && t.includes('No containers.'));

    await keys('2');
    await waitFor('the Images panel', (t) => t.includes('No images yet.'));
    await keys('L');
    await waitFor('the load form', (t) => t.includes('Load images from a docker save archive'));
    await type(fixtureArchivePath('01-base'));
    await keys('Enter');
    text = await waitFor('the loaded image', (t) => t.includes('Loaded image: busybox:local') && /busybox\s+local\s+d9d3d3752bd1/.test(t));
    await keep('images', text);

    await keys('r');
    await waitFor('the run form', (t) => t.includes('Run a container from busybox:local'));
    await type('e2e-web');
    await keys('Tab');
    await type(`sh -c 'trap "exit 0" TERM; for i in 1 2 3 4 5; do echo hello line $i; done; echo $GREETING >&2; while true; do sleep 1; done'`);
    await keys('Tab');
    await type("GREETING='good day'");
    text = await waitFor('the filled form', (t) => t.includes("› Env:     GREETING='good day'"));
    await keep('run-form', text);
    await keys('Enter');
    text = await waitFor('the running container and its logs', (t) => /▶ running\s+e2e-web\s+busybox:local/.test(t) && t.includes('good day') && t.includes('hello line 5'));
    expect(text).toContain('[1] Containers (1/1)');
    expect(text).toMatch(/6 lines, following/);

    await keys('Enter');
    await waitFor('the Logs keys', (t) => t.includes('f follow  n next  N prev'));
    await keys('/');
    await type('line 3');
    await keys('Enter');
    text = await waitFor('the search match', (t) => t.includes('/line 3: match 1 of 1'));
    expect(text).toMatch(/›hello line 3/);
    await keep('logs-search', text);
    // The matching line to the clipboard with OSC 52: tmux keeps it as a buffer when applications may set it.
    await tmux('set-option', '-s', 'set-clipboard', 'on');
    await keys('y');
    text = await waitFor('the copy', (t) => t.includes('copied 1 line matching /line 3/ of e2e-web to the clipboard'));
    expect(await tmux('show-buffer')).toBe('hello line 3\n');

    await keys('Tab');
    text = await waitFor('the Inspect tab', (t) => t.includes('"Name": "/e2e-web"'));
    const shortId = /"Id": "([0-9a-f]{12})/.exec(text)?.[1];
    expect(shortId).toBeDefined();
    await keys('Tab');
    text = await waitFor('the Top tab', (t) => /UID\s+PID\s+PPID/.test(t) && t.includes('sh -c trap'));
    await keep('top', text);

    // A shell: the app leaves its screen to it, and comes back when it exits.
    await keys('Escape');
    await waitFor('the list keys', (t) => t.includes('E shell  a attach  c commit'));
    await keys('E');
    await waitFor('the shell prompt', (t) => t.includes('strata: shell in e2e-web; exit it to return to strata') && /^\/ #\s*$/m.test(t));
    expect(await paneFlag('alternate_on')).toBe('0');
    await type('hostname; touch /made-in-the-shell');
    await keys('Enter');
    text = await waitFor('the container\'s hostname', (t) => new RegExp(`^${shortId}$`, 'm').test(t));
    await keep('shell', text);
    await type('exit');
    await keys('Enter');
    text = await waitFor('the app again', (t) => t.includes('[1] Containers (1/1)') && t.includes('shell in e2e-web exited with code 0'));
    expect(await paneFlag('alternate_on')).toBe('1');

    // Attach to the container's own process, and detach with ctrl-p ctrl-q.
    await keys('a');
    await waitFor('the attach', (t) => t.includes('strata: attached to e2e-web; ctrl-p ctrl-q detaches and returns to strata'));
    await keys('C-p', 'C-q');
    text = await waitFor('the app after detaching', (t) => t.includes('[1] Containers (1/1)') && t.includes('detached from e2e-web'));
    expect(text).toMatch(/▶ running\s+e2e-web/);

    // The file the shell made, in the Diff tab; then the Stats tab, live.
    await keys('Tab');
    text = await waitFor('the Diff tab', (t) => t.includes('1 added, 0 changed, 0 deleted') && t.includes('A /made-in-the-shell'));
    await keep('diff', text);
    await keys('Tab');
    text = await waitFor('the Stats tab with a CPU graph', (t) => /PIDS\s+2\b/.test(t) && /CPU\s+[▁▂▃▄▅▆▇█]{2,}/.test(t));
    expect(text).toMatch(/MEM USAGE \/ LIMIT\s+[\d.]+(KiB|MiB) \/ [\d.]+GiB/);
    await keep('stats', text);
    await keys('Tab');
    await waitFor('the Logs tab', (t) => t.includes('6 lines, following'));

    await keys('s');
    text = await waitFor('the stopped container', (t) => /■ exited\s+e2e-web/.test(t));
    // The logs of the exited container, to their end.
    text = await waitFor('the logs of the exited container', (t) => t.includes('6 lines, ended') && t.includes('hello line 1') && t.includes('good day'));
    await keys('d');
    text = await waitFor('the question', (t) => t.includes('Remove container e2e-web? (y/n)'));
    await keep('remove-question', text);
    await keys('y');
    text = await waitFor('no containers', (t) => t.includes('No containers.'));

    await keys('?');
    text = await waitFor('the help', (t) => t.includes('Keys (any key closes this;'));
    await keep('help', text);
    await keys('Escape');
    // Waited for: an escape followed at once by q can reach the app as one alt-q.
    await waitFor('the help closed', (t) => !t.includes('Keys (any key closes this;') && t.includes('No containers.'));
    await keys('q');
    text = await waitFor('strata to exit', (t) => t.includes('strata exited'));
    expect(text).toContain('strata exited 0');
  }, 120_000);
});
