import React from 'react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanup, render } from 'ink-testing-library';
import { createEngine, type Engine } from '@strata/core';
import { memoryPorts } from '@strata/storage';
import { App } from './App.js';
import { ImageBrowser } from '../model/index.js';
import { runLoad } from '../cli/load-command.js';
import { fixtureArchive } from '../testing/fixture-archive.js';

const keys = { down: '\u001B[B', tab: '\t', enter: '\r' };
// A minute and a half after 02-whiteout was built (2026-11-22T14:15:34Z).
const now = () => Date.parse('2026-11-22T14:17:05Z');
const tick = () => new Promise((r) => setTimeout(r, 30));

let engine: Engine;
beforeEach(() => {
  engine = createEngine(memoryPorts());
});
afterEach(async () => {
  cleanup();
  await engine.close();
});

async function start(columns = 100, rows = 30) {
  const browser = new ImageBrowser(engine);
  const app = render(<App browser={browser} columns={columns} rows={rows} now={now} tickMs={0} />);
  await browser.refresh();
  await browser.settled();
  await tick();
  const press = async (key: string) => {
    app.stdin.write(key);
    await tick();
    await browser.settled();
    await tick();
    return app.lastFrame() ?? '';
  };
  return { browser, press, frame: () => app.lastFrame() ?? '' };
}

describe('App on the real engine with a loaded fixture archive', () => {
  it('strata load prints what docker load prints', async () => {
    const lines: string[] = [];
    const ids = await runLoad(engine, fixtureArchive('02-whiteout'), (l) => lines.push(l));
    expect(lines).toEqual(['Loaded image: fixture/02-whiteout:v1']);
    expect(ids).toEqual(['sha256:07019df820f5879d03be94bb3657e4fa5c7dc9a78498f27c3bd7fe88f31ac291']);
  });

  it('lists the image, inspects it, and shows its history with the RUN commands', async () => {
    await runLoad(engine, fixtureArchive('02-whiteout'), () => {});
    const { press, frame } = await start();
    expect(frame()).toMatch(/fixture\/02-whiteout\s+v1\s+07019df820f5\s+About a minute ago\s+1\.98MB/);
    expect(frame()).toContain('"Id": "sha256:07019df820f5879d03be94bb3657e4fa5c7dc9a78498f27c3bd7fe88f31ac291"');

    let f = await press(keys.tab);
    expect(f).toMatch(/IMAGE\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT/);
    expect(f).toMatch(/07019df820f5\s+About a minute ago\s+\/bin\/sh -c rm \/bin\/httpd/);
    expect(f).toMatch(/<missing>\s+About a minute ago\s+\/bin\/sh -c mkdir -p \/data/);
    expect(f).toMatch(/<missing>\s+9 minutes ago\s+1\.98MB\s+Imported from -/);

    await press(keys.enter);
    f = await press(keys.down);
    const text = f.replace(/[│\s]+/g, ' ');
    expect(text).toContain('/bin/sh -c mkdir -p /data/subdir/nested && echo keep > /data/keep.txt && echo remove > /data/remove-me.txt');
  });

  it('shows an engine error in the status line and keeps working', async () => {
    await runLoad(engine, fixtureArchive('02-whiteout'), () => {});
    await runLoad(engine, fixtureArchive('05-perms'), () => {});
    const { browser, press, frame } = await start();
    expect(frame()).toContain('Images (1/2)');
    // Someone else removes the second image behind the browser's back.
    const second = browser.state.rows[1];
    await engine.removeImage(`${second.repository}:${second.tag}`);
    let f = await press(keys.down);
    expect(f).toContain(`Error: No such image: ${second.imageId}`);
    f = await press('r');
    expect(f).not.toContain('Error:');
    expect(f).not.toContain(second.repository);
    expect(f).toContain('Images (1/1)');
  });
});
