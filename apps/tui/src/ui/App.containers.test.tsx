// The Containers panel on the embedded engine with a real container (runc and conmon, as root):
// the Diff and Stats tabs, commit from the form, the logs written to a file, and the keys in ? and
// the key bar. The shell and attach hand the terminal over; the tmux e2e covers them.
import React from 'react';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { openEmbeddedEngine, type EmbeddedEngine } from '../cli/data-root-engine.js';
import { saveTextFile } from '../cli/save-text-file.js';
import { binarySize } from '../format/index.js';
import { Workbench } from '../model/index.js';
import { fixtureArchive } from '../testing/fixture-archive.js';
import { renderWide } from '../testing/wide-render.js';
import { App } from './App.js';

const skip = process.getuid?.() !== 0 ? 'containers need root' : !existsSync('/usr/sbin/runc') || !existsSync('/usr/bin/conmon') ? 'runc and conmon are not installed' : '';
const keys = { tab: '\t', enter: '\r', escape: '\u001B', ctrlU: '\u0015' };
const tick = () => new Promise((r) => setTimeout(r, 30));
const stripAnsi = (text: string) => text.replace(/\u001B\[[0-9;]*m/g, '');

describe.skipIf(skip !== '')(`the Containers panel with a real container${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let dir: string;
  let embedded: EmbeddedEngine;
  let workbench: Workbench;
  let press: (...sequence: string[]) => Promise<string>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'strata-tui-containers-'));
    embedded = await openEmbeddedEngine(join(dir, 'root'), { withRuntime: true });
    const engine = embedded.engine;
    await engine.loadImages(fixtureArchive('01-base'));
    const script = 'echo changed > /new-file.txt; rm /bin/echo; for i in 1 2 3; do echo line $i; done; echo oops >&2; while true; do sleep 1; done';
    const { Id } = await engine.createContainer({ Image: 'busybox:local', Cmd: ['sh', '-c', script], StopTimeout: 1 }, { name: 'web' });
    await engine.startContainer(Id);
    workbench = new Workbench(engine, { saveText: saveTextFile });
    const app = renderWide(<App workbench={workbench} columns={150} rows={34} tickMs={0} />, 150);
    await workbench.start();
    await workbench.settled();
    press = async (...sequence: string[]) => {
      for (const key of sequence) {
        app.stdin.write(key);
        await tick();
      }
      await workbench.settled();
      await tick();
      return stripAnsi(app.lastFrame() ?? '');
    };
    // The logs come as the container writes them.
    for (let i = 0; i < 100 && !(app.lastFrame() ?? '').includes('oops'); i++) await tick();
  }, 60_000);

  afterAll(async () => {
    cleanup();
    workbench?.close();
    if (embedded) {
      for (const c of await embedded.engine.listContainers({ all: true })) await embedded.engine.removeContainer(c.Id, { force: true }).catch(() => undefined);
      await embedded.close();
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it('shows the new keys in the key bar and in ?', async () => {
    let f = await press();
    expect(f).toMatch(/d remove {2}E shell {2}a attach {2}c commit/);
    // Every key of the list is shown on 150 columns: the bar wraps to a second line rather than cutting keys off.
    const bar = f.trimEnd().split('\n').slice(-2);
    expect(bar[1]).toBe('? help  q/ctrl-c quit');
    expect(bar[0]).toMatch(/^↑\/k up {2}↓\/j down .* \/ filter {2}J jobs$/);
    // The help scrolls (↓) when it is taller than the screen: gather every page of it. Its columns cut
    // long descriptions at 150 columns, so the check reads the beginnings and the names keys.json uses.
    f = await press('?');
    for (let i = 0; i < 60 && !f.includes('logs.saveLogs'); i++) f += await press('\u001B[B');
    expect(f).toMatch(/E +containers\.shell +open a shell/);
    expect(f).toMatch(/a +containers\.attach +attach to it/);
    expect(f).toMatch(/c +containers\.commit +commit it/);
    expect(f).toMatch(/w +logs\.saveLogs +write the logs/);
    await press(keys.escape);
  });

  it('writes the Logs tab to a file from the form', async () => {
    let f = await press(keys.enter);
    expect(f).toMatch(/f follow {2}n next {2}N prev {2}w save/);
    f = await press('w');
    expect(f).toContain('Write the 4 log lines of web to a file');
    expect(f).toMatch(/File:\s+web\.log/);
    const path = join(dir, 'saved', '..', 'web-logs.txt');
    f = await press(keys.ctrlU, path, keys.enter);
    expect(f).toContain(`Wrote 4 lines to ${join(dir, 'web-logs.txt')}`);
    const text = await readFile(join(dir, 'web-logs.txt'), 'utf8');
    // stdout and stderr interleave as they arrived; every line is there once.
    expect(text.split('\n').filter(Boolean).sort()).toEqual(['line 1', 'line 2', 'line 3', 'oops']);
    await press(keys.escape);
  });

  it('shows the Diff tab: the writable layer against the image, A/C/D', async () => {
    const f = await press(keys.tab, keys.tab, keys.tab);
    expect(f).toMatch(/Logs {2}Inspect {2}Top {2}Diff {2}Stats {2}web/);
    expect(f).toContain('1 added, 1 changed, 1 deleted');
    const lines = f.split('\n').map((l) => /│([ACD]) (\S+)\s*│/.exec(l.slice(l.lastIndexOf('││') + 1))?.slice(1, 3).join(' ')).filter(Boolean);
    expect(lines).toEqual(['C /bin', 'D /bin/echo', 'A /new-file.txt']);
  });

  it('shows the Stats tab: docker stats\' columns from the container\'s cgroup', async () => {
    const f = await press(keys.tab);
    expect(f).toContain('live, a sample a second');
    const memTotal = Number(/^MemTotal:\s+(\d+)/m.exec(readFileSync('/proc/meminfo', 'utf8'))![1]) * 1024;
    expect(f).toMatch(new RegExp(`MEM USAGE / LIMIT\\s+[\\d.]+(KiB|MiB) / ${binarySize(memTotal).replace('.', '\\.')}`));
    expect(f).toMatch(/CPU %\s+\d+\.\d\d%/);
    expect(f).toMatch(/PIDS\s+[12]\s/);
    expect(f).toMatch(/NET I\/O\s+[\d.]+k?B \/ [\d.]+k?B/);
  });

  it('commits the container from the form in the background, with the tag, message and author', async () => {
    let f = await press('c');
    expect(f).toContain('Commit web to a new image');
    f = await press('tui/app:v1', keys.tab, 'snapshot from the app', keys.tab, 'Tester <t@example.com>', keys.enter);
    const committed = /Committed web: (sha256:[0-9a-f]{64}) \(tui\/app:v1\)/.exec(f);
    expect(committed, f).not.toBeNull();
    const inspect = await embedded.engine.inspectImage('tui/app:v1');
    expect(inspect.Id).toBe(committed![1]);
    expect(inspect.Author).toBe('Tester <t@example.com>');
    expect((await embedded.engine.imageHistory('tui/app:v1'))[0].Comment).toBe('snapshot from the app');
    // The container kept running through it (commit pauses it only while its layer is read).
    expect(f).toMatch(/▶ running\s+web/);
  });
});
