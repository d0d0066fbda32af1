import React from 'react';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { createEngine, type Engine } from '@strata/core';
import { memoryPorts, openDataRoot } from '@strata/storage';
import { App } from './App.js';
import { Workbench } from '../model/index.js';
import { runLoad } from '../cli/load-command.js';
import { fixtureArchive } from '../testing/fixture-archive.js';
import { renderWide } from '../testing/wide-render.js';

const keys = { up: '\u001B[A', down: '\u001B[B', tab: '\t', enter: '\r', escape: '\u001B', backspace: '\u007F' };
// A minute and a half after 02-whiteout was built (2026-11-22T14:15:34Z).
const now = () => Date.parse('2026-11-22T14:17:05Z');
const tick = () => new Promise((r) => setTimeout(r, 30));

let engine: Engine;
let workbench: Workbench | undefined;
beforeEach(() => {
  engine = createEngine(memoryPorts());
});
afterEach(async () => {
  cleanup();
  workbench?.close();
  workbench = undefined;
  await engine.close();
});

async function start(columns = 150, rows = 34) {
  const w = new Workbench(engine, { openArchive: async (path) => fixtureArchive(path) });
  workbench = w;
  const app = renderWide(<App workbench={w} columns={columns} rows={rows} now={now} tickMs={0} />, columns);
  await w.start();
  await w.settled();
  await tick();
  const press = async (...sequence: string[]) => {
    for (const key of sequence) {
      app.stdin.write(key);
      await tick();
    }
    await w.settled();
    await tick();
    return app.lastFrame() ?? '';
  };
  return { workbench: w, press, frame: () => app.lastFrame() ?? '' };
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
    const { press } = await start();
    let f = await press('2');
    expect(f).toMatch(/fixture\/02-whiteout\s+v1\s+07019df820f5\s+About a minute ago\s+1\.98MB/);
    expect(f).toContain('"Id": "sha256:07019df820f5879d03be94bb3657e4fa5c7dc9a78498f');

    f = await press(keys.tab);
    expect(f).toMatch(/IMAGE\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT/);
    expect(f).toMatch(/07019df820f5\s+About a minute ago\s+\/bin\/sh -c rm [^│]*…\s+0B/);
    expect(f).toMatch(/<missing>\s+9 minutes ago\s+1\.98MB\s+Import/);

    await press(keys.enter);
    f = await press(keys.down);
    expect(f.replace(/[│\s]+/g, ' ')).toContain('/bin/sh -c mkdir -p /data/subdir/nested && echo keep > /data/keep.txt && echo remove > /data/remove-me.txt');
  });

  it('loads an archive from the form while the list stays usable, and the image appears from the event stream', async () => {
    await runLoad(engine, fixtureArchive('02-whiteout'), () => {});
    const { press, frame } = await start();
    await press('2', 'L');
    expect(frame()).toContain('Load images from a docker save archive');
    const f = await press(...'05-perms'.split(''), keys.enter);
    expect(f).toContain('Loaded image: fixture/05-perms:v1');
    // The selection stays on the image it was on; the new one is listed first (newest).
    expect(f).toContain('[2] Images (2/2)');
    expect(f).toMatch(/fixture\/05-perms\s+v1\s+4eeb85fd8a77/);
  });

  it('filters a list with / and clears the filter with esc', async () => {
    await runLoad(engine, fixtureArchive('02-whiteout'), () => {});
    await runLoad(engine, fixtureArchive('05-perms'), () => {});
    const { press } = await start();
    let f = await press('2', '/', 'p', 'e', 'r');
    expect(f).toContain('Filter: per');
    expect(f).toContain('[2] Images (1/1 of 2, /per)');
    expect(f).not.toMatch(/fixture\/02-whiteout\s+v1/);
    f = await press(keys.enter);
    expect(f).not.toContain('Filter: ');
    expect(f).toContain('↑/k up');
    f = await press('/', keys.escape);
    expect(f).toContain('[2] Images (1/2)');
    expect(f).toMatch(/fixture\/02-whiteout\s+v1/);
  });

  it('runs a container from the form, shows the engine error when it cannot start, and removes it after asking', async () => {
    await runLoad(engine, fixtureArchive('02-whiteout'), () => {});
    const { press, frame, workbench: w } = await start();
    await press('2', 'r');
    expect(frame()).toContain('Run a container from fixture/02-whiteout:v1');
    await press(...'web'.split(''), keys.tab, ...'echo hi'.split(''), keys.tab, ...'A=1'.split(''));
    let f = await press(keys.enter);
    // The memory engine has no runtime: the container is created, start fails with the engine's message.
    expect(f).toContain('[1] Containers (1/1)');
    expect(f).toMatch(/○ created\s+web\s+fixture\/02-whiteout:v1/);
    expect(f).toMatch(/Error: .+/);
    const inspect = await engine.inspectContainer('web');
    expect((inspect.Config as { Cmd: string[]; Env: string[] }).Cmd).toEqual(['echo', 'hi']);
    expect((inspect.Config as { Env: string[] }).Env).toContain('A=1');

    f = await press(keys.tab);
    expect(f).toContain('"Name": "/web"');
    f = await press('d');
    expect(f).toContain('Remove container web? (y/n)');
    f = await press('n');
    expect(f).not.toContain('Remove container web?');
    expect(f).toContain('[1] Containers (1/1)');
    f = await press('d', 'y');
    expect(f).toContain('No containers.');
    expect(w.state.tasks).toEqual([]);
    await expect(engine.inspectContainer('web')).rejects.toThrow('No such container: web');
  });

  it('refreshes from the engine event stream when another client changes things', async () => {
    await runLoad(engine, fixtureArchive('02-whiteout'), () => {});
    const { workbench: w, frame } = await start();
    expect(frame()).toContain('No containers.');
    await engine.createContainer({ Image: 'fixture/02-whiteout:v1', Cmd: ['true'] }, { name: 'from-elsewhere' });
    await engine.tagImage('fixture/02-whiteout:v1', 'other', 'v2');
    await new Promise((r) => setTimeout(r, 120));
    await w.settled();
    await tick();
    expect(frame()).toMatch(/○ created\s+from-elsewhere\s+fixture\/02-whiteout:v1/);
    expect(w.images.state.rows.map((r) => `${r.repository}:${r.tag}`).sort()).toEqual(['fixture/02-whiteout:v1', 'other:v2']);
  });

  it('shows the Layers tab: layers with size and command, efficiency, and a file a later layer removed', async () => {
    await runLoad(engine, fixtureArchive('02-whiteout'), () => {});
    const { press } = await start();
    let f = await press('2', keys.tab, keys.tab);
    expect(f).toContain(' Inspect  History  Layers ');
    expect(f).toMatch(/#\s+SIZE\s+COMMAND/);
    expect(f).toMatch(/2\s+0B\s+\/bin\/sh -c rm \/bin\/httpd && rm \/data\/remove-me\.txt/);
    expect(f).toMatch(/efficiency \d+\.\d\d% {2}wasted \S+/);
    // The last layer is selected: what it removed is listed as removed.
    expect(f).toMatch(/Layer 2: \d+ changes/);
    expect(f).toMatch(/- +\S+ +remove-me\.txt/);
    await press(keys.enter);
    f = await press(keys.up);
    expect(f).toMatch(/Layer 1: \d+ changes/);
    expect(f).toMatch(/\+ +\S+ +remove-me\.txt/);
    f = await press('a');
    expect(f).toMatch(/Every layer up to 1: \d+ changes/);
    expect(f).toContain('a aggregate');
  });

  it('lists volumes with who uses them, and removes one after asking', async () => {
    // Volumes live on a filesystem data root (the memory ports have none).
    const dir = await mkdtemp(join(tmpdir(), 'strata-tui-volumes-'));
    const dataRoot = await openDataRoot(join(dir, 'root'));
    await engine.close();
    engine = createEngine(dataRoot.ports);
    onTestFinished(async () => {
      await engine.close();
      await dataRoot.close();
      await rm(dir, { recursive: true, force: true });
    });
    await engine.createVolume({ Name: 'data' });
    await engine.createVolume({ Name: 'cache' });
    const { press } = await start();
    let f = await press('3');
    expect(f).toMatch(/DRIVER\s+VOLUME NAME/);
    expect(f).toMatch(/local\s+cache/);
    expect(f).toMatch(/local\s+data/);
    expect(f).toContain('Used by: no container');
    expect(f).toContain('"Name": "cache"');
    f = await press(keys.down, 'd');
    expect(f).toContain('Remove volume data? (y/n)');
    f = await press('y');
    await new Promise((r) => setTimeout(r, 120));
    f = await press();
    expect(f).not.toMatch(/local\s+data/);
    expect((await engine.listVolumes()).Volumes.map((v) => v.Name)).toEqual(['cache']);
  });

  it('shows disk usage as docker system df adds it up', async () => {
    await runLoad(engine, fixtureArchive('02-whiteout'), () => {});
    const { press } = await start();
    const f = await press('4');
    expect(f).toMatch(/TYPE\s+TOTAL\s+ACTIVE\s+SIZE\s+RECLAIMABLE/);
    expect(f).toMatch(/Images\s+1\s+0\s+1\.98MB\s+1\.98MB \(100%\)/);
    expect(f).toMatch(/Containers\s+0\s+0\s+0B\s+0B/);
  });

  it('lists every key on ? and rebinds none of them by itself', async () => {
    const { press } = await start();
    const first = await press('?');
    // The help is longer than the screen: ↓ scrolls it, and between the two every key shows.
    const scrolled = await press(...Array.from({ length: 20 }, () => keys.down));
    for (const name of ['containers.stop', 'containers.remove', 'images.run', 'images.pull', 'images.build', 'images.save', 'layers.extract', 'layers.sortTree', 'layers.hideUnchanged', 'volumes.createVolume', 'volumes.pruneVolumes', 'disk.pruneAll', 'global.jobs', 'logs.nextMatch', 'global.filter', 'global.panelDisk']) {
      expect(`${first}\n${scrolled}`).toContain(name);
    }
  });
});
