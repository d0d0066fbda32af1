// End to end, as a person would: `strata load`, then the full-screen app in a real terminal
// (tmux), keys typed into it, the screen read back, and the terminal checked after `q`.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureArchivePath } from '../testing/fixture-archive.js';
import { tmuxTerminal } from './tmux-terminal.js';

const run = promisify(execFile);
const cli = join(dirname(fileURLToPath(import.meta.url)), '../../dist/cli.js');
const session = `strata-e2e-${process.pid}`;
// A private tmux server whose socket lives in the test's temp dir, so nothing of anyone else's is touched.
let socket: string;

const { tmux, screen, paneFlag, waitFor } = tmuxTerminal(session, () => socket);

let workDir: string;
let dataRoot: string;
beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'strata-tui-e2e-'));
  dataRoot = join(workDir, 'data-root');
  socket = join(workDir, 'tmux.sock');
});
afterAll(async () => {
  await tmux('kill-session', '-t', session).catch(() => undefined);
  await rm(workDir, { recursive: true, force: true });
});

describe('strata in a terminal', () => {
  it('loads archives, browses them with keys, and gives the terminal back on q', async () => {
    expect(existsSync(cli), `${cli} is built by \`pnpm build\``).toBe(true);
    for (const [fixture, tag] of [['02-whiteout', 'fixture/02-whiteout:v1'], ['05-perms', 'fixture/05-perms:v1']]) {
      const loaded = await run(process.execPath, [cli, '--data-root', dataRoot, 'load', fixtureArchivePath(fixture)]);
      expect(loaded.stdout).toBe(`Loaded image: ${tag}\n`);
    }

    // CI=true as CI machines set it: Ink would draw nothing until exit if strata let it see that in a terminal.
    const shell = `printf 'before strata\\n'; CI=true '${process.execPath}' '${cli}' --data-root '${dataRoot}'; echo "strata exited $?"; exec sleep 600`;
    await tmux('new-session', '-d', '-s', session, '-x', '140', '-y', '35', 'sh', '-c', shell);

    // Keys typed before Ink turns on raw mode would be lost: wait for the list the engine answered, drawn after that.
    let text = await waitFor('the panels', (t) => t.includes('[4] Disk usage') && t.includes('No containers.'));
    expect(await paneFlag('alternate_on')).toBe('1');
    await tmux('send-keys', '-t', session, '2');
    text = await waitFor('the image list and inspect', (t) => t.includes('fixture/02-whiteout') && t.includes('"Id": "sha256:'));
    expect(text).toContain('Images (1/2)');
    expect(text).toMatch(/fixture\/05-perms\s+v1\s+4eeb85fd8a77\s+.+ago\s+1\.98MB/);
    expect(text).toMatch(/fixture\/02-whiteout\s+v1\s+07019df820f5\s+.+ago\s+1\.98MB/);
    expect(text).toContain('"Id": "sha256:4eeb85fd8a77');
    expect(text).toMatch(/↑\/k up {2}↓\/j down [\s\S]*q\/ctrl-c quit/);

    await tmux('send-keys', '-t', session, 'Down');
    text = await waitFor('the second image', (t) => t.includes('Images (2/2)') && t.includes('"Id": "sha256:07019df820f5'));

    await tmux('send-keys', '-t', session, 'Tab');
    text = await waitFor('the History tab', (t) => t.includes('CREATED BY'));
    expect(text).toMatch(/07019df820f5\s+.+ago\s+\/bin\/sh -c rm/);
    expect(text).toMatch(/<missing>\s+.+ago\s+\/bin\/sh -c mkdi/);
    expect(text).toMatch(/<missing>\s+.+ago\s+1\.98MB\s+Imported/);

    // The Layers tab (dive's view): the last layer removed /data/remove-me.txt.
    await tmux('send-keys', '-t', session, 'Tab');
    text = await waitFor('the Layers tab', (t) => t.includes('efficiency') && /Layer 2: \d+ changes/.test(t));
    expect(text).toMatch(/-\s+7B\s+remove-me\.txt/);
    expect(text).toMatch(/2\s+0B\s+\/bin\/sh -c rm \/bin\/httpd/);

    await tmux('send-keys', '-t', session, 'q');
    text = await waitFor('strata to exit', (t) => t.includes('strata exited'));
    expect(text).toContain('strata exited 0');
    expect(text).toContain('before strata');
    expect(text).not.toContain('Images (');
    expect(await paneFlag('alternate_on')).toBe('0');
    expect(await paneFlag('cursor_flag')).toBe('1');
    // The data root is free again for the next owner.
    expect(existsSync(join(dataRoot, 'strata.lock'))).toBe(false);
    // The app kept V8's code for its next start (cli/code-cached-module.ts), in the cache dir it was given.
    expect((await readdir(join(dataRoot, 'tui-cache'))).filter((f) => /^app-script-[0-9a-f]{8}\.v8-cache$/.test(f))).toHaveLength(1);
  });
});
