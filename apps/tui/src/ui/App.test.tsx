import React from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { renderWide } from '../testing/wide-render.js';
import { StrataError } from '@strata/core';
import { App } from './App.js';
import { emptyStateText } from './SidePanels.js';
import { Workbench } from '../model/index.js';
import { RecordedEngine, recordedImage } from '../testing/fixture-engine.js';

const keys = { down: '\u001B[B', up: '\u001B[A', tab: '\t', enter: '\r', escape: '\u001B' };
const whiteout = recordedImage('02-whiteout');
const perms = recordedImage('05-perms');
// Five minutes after 02-whiteout was built (2026-11-22T14:15:34Z).
const now = () => Date.parse('2026-11-22T14:20:40Z');

const tick = () => new Promise((r) => setTimeout(r, 30));

let opened: Workbench[] = [];

async function start(engine: RecordedEngine, columns = 150, rows = 34) {
  const workbench = new Workbench(engine);
  opened.push(workbench);
  const app = renderWide(<App workbench={workbench} columns={columns} rows={rows} now={now} tickMs={0} />, columns);
  await workbench.start();
  await workbench.settled();
  await tick();
  const press = async (key: string) => {
    app.stdin.write(key);
    await tick();
    await workbench.settled();
    await tick();
    return app.lastFrame() ?? '';
  };
  // The app opens on Containers; these tests are about the Images panel.
  await press('2');
  return { app, workbench, press, frame: () => app.lastFrame() ?? '' };
}

afterEach(() => {
  cleanup();
  for (const w of opened) w.close();
  opened = [];
});

describe('App on recorded images', () => {
  it('lists images as docker images does and shows the inspect JSON', async () => {
    const { frame } = await start(new RecordedEngine([whiteout, perms]));
    const f = frame();
    expect(f).toMatch(/REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE/);
    expect(f).toMatch(/fixture\/02-whiteout\s+v1\s+07019df820f5\s+5 minutes ago\s+1\.98MB/);
    expect(f).toMatch(/fixture\/05-perms\s+v1\s+4eeb85fd8a77/);
    expect(f).toContain('"Id": "sha256:07019df820f5879d03be94bb3657e4fa5c7dc9a78498f27c3bd7fe');
    expect(f).toContain('↑/k up');
    expect(f).toContain('q/ctrl-c quit');
    expect(f).toContain('[1] Containers');
    expect(f).toContain('[4] Disk usage');
  });

  it('moves with down, switches to History with tab, and back with shift-tab', async () => {
    const { press } = await start(new RecordedEngine([whiteout, perms]));
    let f = await press(keys.down);
    expect(f).toContain('Images (2/2)');
    expect(f).toContain('"Id": "sha256:4eeb85fd8a77');
    await press(keys.up);
    f = await press(keys.tab);
    expect(f).toMatch(/IMAGE\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT/);
    expect(f).toMatch(/07019df820f5\s+5 minutes ago\s+\/bin\/sh -c rm [^│]*…\s+0B/);
    expect(f).toMatch(/<missing>\s+5 minutes ago\s+\/bin\/sh -c mkdi[^│]*…\s+16B/);
    expect(f).toMatch(/<missing>\s+13 minutes ago\s+1\.98MB\s+Imported from -/);
    f = await press('\u001B[Z');
    expect(f).toContain('"RepoTags": [');
  });

  it('focuses details with enter, shows the full command of a layer and scrolls', async () => {
    const { press } = await start(new RecordedEngine([whiteout]));
    await press(keys.tab);
    let f = await press(keys.enter);
    expect(f).toContain('esc list');
    f = await press(keys.down);
    // The full RUN line of the second entry, wrapped under the table.
    expect(f.replace(/[│\s]+/g, ' ')).toContain('echo b > /data/subdir/nested/b.txt');
    await press('\u001B[Z');
    const bodyTop = (frame: string) => frame.split('\n')[frame.split('\n').findIndex((l) => l.includes(' Inspect  History ')) + 1].replace(/^.*?││?/, '│').replace(/^[╰─╯]+│/, '│');
    expect(bodyTop(await press(keys.escape))).toMatch(/^│\[\s+│$/);
    await press(keys.enter);
    f = await press(keys.down);
    expect(bodyTop(f)).toMatch(/^│    \{\s+│$/);
    f = await press(keys.escape);
    expect(f).toContain('enter main');
  });

  it('shows the help overlay with every key and closes it on any key', async () => {
    const { press } = await start(new RecordedEngine([whiteout]));
    let f = await press('?');
    expect(f).toContain('Keys (any key closes this;');
    expect(f).toContain('back to the list');
    expect(f).toContain('containers.stop');
    expect(f).toContain('pgdn');
    f = await press('x');
    expect(f).not.toContain('Keys (any key closes this');
    expect(f).toContain('fixture/02-whiteout');
  });

  it('says how to load an image when there is none', async () => {
    const { frame } = await start(new RecordedEngine([]));
    expect(frame().replace(/[│\s]+/g, ' ')).toContain(emptyStateText);
  });

  it('shows engine errors in the status line and recovers on refresh', async () => {
    const engine = new RecordedEngine([whiteout]);
    engine.failNext('listImages', new StrataError('unavailable', 'cannot read the data root'));
    const { press, frame } = await start(engine);
    expect(frame()).toContain('Error: cannot read the data root');
    const f = await press('\u0012');
    expect(f).not.toContain('Error:');
    expect(f).toContain('fixture/02-whiteout');
  });

  it('lays the panels side by side on a wide terminal', async () => {
    const { frame } = await start(new RecordedEngine([whiteout]), 160, 30);
    const line = frame().split('\n').find((l) => l.includes('fixture/02-whiteout')) ?? '';
    expect(line).toMatch(/fixture\/02-whiteout.*│.*│/);
  });
});
