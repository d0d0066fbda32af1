// The Images, Volumes and Disk-usage work of the app, driven by keys on the real engine:
// pull from a real docker-registry on 127.0.0.1, build with the classic builder (cache hits),
// save (asking before overwriting), the Layers tab's path filter, sort and unchanged entries,
// volume create and prune, and the Disk usage panel's prunes.
import React from 'react';
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { Readable } from 'node:stream';
import { mkdtemp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { createEngine, type Engine, type EnginePorts } from '@strata/core';
import { memoryPorts, openDataRoot } from '@strata/storage';
import { RegistryClient, dockerRegistryBinary, startLocalRegistry, startRegistryProxy, type LocalRegistry } from '@strata/registry';
import { recordedImage } from '../testing/fixture-engine.js';
import { App } from './App.js';
import { Workbench, type LayerProgress } from '../model/index.js';
import { runLoad } from '../cli/load-command.js';
import { nodeHostFiles } from '../cli/host-files.js';
import { fixtureArchive, fixtureArchivePath } from '../testing/fixture-archive.js';
import { renderWide } from '../testing/wide-render.js';

const keys = { down: '\u001B[B', tab: '\t', enter: '\r', escape: '\u001B', clearField: '\u0015' };
const now = () => Date.parse('2026-11-22T14:17:05Z');
const tick = () => new Promise((r) => setTimeout(r, 30));

let dir: string;
let engine: Engine;
let workbench: Workbench | undefined;
let closeEngine: () => Promise<void>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-tui-imagework-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  cleanup();
  workbench?.close();
  workbench = undefined;
  await closeEngine?.();
});

/** The engine on memory stores with a registry client, or on a data root of its own (volumes need one). */
async function useEngine(kind: 'memory' | 'data-root'): Promise<Engine> {
  if (kind === 'memory') {
    const ports: EnginePorts = { ...memoryPorts(), registry: new RegistryClient() };
    engine = createEngine(ports);
    closeEngine = () => engine.close();
    return engine;
  }
  const root = await openDataRoot(await mkdtemp(join(dir, 'root-')));
  engine = createEngine(root.ports);
  closeEngine = async () => {
    await engine.close();
    await root.close();
  };
  return engine;
}

async function start(columns = 150, rows = 40) {
  const w = new Workbench(engine, { hostFiles: nodeHostFiles(process.stdin) });
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
  /** Keys sent without waiting for the work they start (a pull that stalls never settles). */
  const send = async (...sequence: string[]) => {
    for (const key of sequence) {
      app.stdin.write(key);
      await tick();
    }
  };
  return { workbench: w, press, send, frame: () => app.lastFrame() ?? '' };
}

async function until(what: string, ready: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !ready(); i++) await new Promise((r) => setTimeout(r, 20));
  if (!ready()) throw new Error(`timed out waiting for ${what}`);
}

const registryMissing = !existsSync(dockerRegistryBinary) ? `${dockerRegistryBinary} is not installed` : !existsSync('/usr/bin/skopeo') ? 'skopeo is not installed (it pushes the fixture)' : '';

describe.skipIf(registryMissing !== '')(`pull from a docker-registry on 127.0.0.1${registryMissing ? ` (skipped: ${registryMissing})` : ''}`, () => {
  let registry: LocalRegistry;
  beforeAll(async () => {
    registry = await startLocalRegistry();
    const archive = `docker-archive:${fixtureArchivePath('02-whiteout')}`;
    execFileSync('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', archive, `docker://${registry.host}/fixture/02-whiteout:v1`], { stdio: 'pipe' });
  }, 60_000);
  afterAll(async () => {
    await registry?.stop();
  });

  it('pulls from the form with a progress row per layer while the lists stay usable, and lists the image', async () => {
    await useEngine('memory');
    const { press, frame, workbench: w } = await start();
    const seen: LayerProgress[][] = [];
    w.jobs.subscribe(() => seen.push([...(w.jobs.jobs[0]?.layers ?? [])]));
    await press('2', 'p');
    expect(frame()).toContain('Pull an image from its registry');
    const f = await press(`${registry.host}/fixture/02-whiteout:v1`, keys.enter);
    // The jobs panel opened: three layers, each pulled, and the registry's digest line.
    expect(f).toContain(`✓ pull ${registry.host}/fixture/02-whiteout:v1`);
    expect(f).toContain(`Downloaded newer image for ${registry.host}/fixture/02-whiteout:v1`);
    expect(f.match(/[0-9a-f]{12}: Pull complete/g)).toHaveLength(3);
    expect(f).toMatch(/Digest: sha256:[0-9a-f]{6}/);
    // On the way, the rows showed the engine's live byte counts.
    const downloading = seen.flat().filter((l) => l.status === 'Downloading');
    expect(downloading.length).toBeGreaterThan(0);
    expect(downloading.every((l) => (l.total ?? 0) > 0 && l.progress?.startsWith('['))).toBe(true);
    // J closes the jobs panel: the image is listed and inspected.
    const closed = await press('J');
    expect(closed).toMatch(new RegExp(`${registry.host.replace(/\./g, '\\.')}/fixture/02-whiteout\\s+v1\\s+07019df820f5`));
    expect((await engine.inspectImage(`${registry.host}/fixture/02-whiteout:v1`)).Id).toBe('sha256:07019df820f5879d03be94bb3657e4fa5c7dc9a78498f27c3bd7fe88f31ac291');
  });

  it('shows a pull caught mid-download with its byte count, and X stops it keeping nothing of it', async () => {
    await useEngine('memory');
    // Layer downloads send 100 kB and then nothing more, for as long as the test likes (the config, the image ID, passes).
    const config = recordedImage('02-whiteout').inspect.Id;
    const proxy = await startRegistryProxy(registry.port, (path) => (path.endsWith(config) ? 'pass' : { stallAfter: 100_000 }));
    onTestFinished(() => proxy.close());
    const { press, send, frame, workbench: w } = await start();
    const stalled = proxy.nextStall();
    await send('2', 'p', `${proxy.host}/fixture/02-whiteout:v1`, keys.enter);
    expect(await stalled).not.toContain(config.slice(7));
    await until('the stalled row', () => /[0-9a-f]{12}: Downloading \[=*> *\] +100kB\/[\d.]+MB/.test(frame()));
    expect(frame()).toContain(`… pull ${proxy.host}/fixture/02-whiteout:v1`);
    expect(w.jobs.running).toHaveLength(1);
    // The lists stay usable while it hangs.
    await send('J', '1');
    await until('the Containers panel', () => frame().includes('No containers.'));
    expect(frame()).toMatch(/… pull .*layers done/);
    let f = await press('X');
    expect(f).toContain(`pull ${proxy.host}/fixture/02-whiteout:v1 cancelled`);
    f = await press('J');
    expect(f).toContain(`⊘ pull ${proxy.host}/fixture/02-whiteout:v1  cancelled`);
    expect(await engine.listImages()).toEqual([]);
  });

  it("ends a failed pull's job with the registry's message and keeps the app usable", async () => {
    await useEngine('memory');
    const { press, frame } = await start();
    await press('2', 'p', `${registry.host}/fixture/absent:v9`, keys.enter);
    expect(frame()).toContain(`✗ pull ${registry.host}/fixture/absent:v9`);
    expect(frame()).toMatch(/Error: .*(not found|unknown|does not exist)/i);
    const f = await press('J', '1');
    expect(f).toContain('No containers.');
  });
});

describe('image work on the embedded engine', () => {
  it('builds a context directory with the step log; the second build comes from the cache', async () => {
    await useEngine('memory');
    await runLoad(engine, fixtureArchive('02-whiteout'), () => {});
    const context = join(dir, 'context');
    await mkdir(context, { recursive: true });
    await writeFile(join(context, 'Dockerfile'), 'FROM fixture/02-whiteout:v1\nCOPY hello.txt /hello.txt\nENV GREETING=hi\n');
    await writeFile(join(context, 'hello.txt'), 'hello from the context\n');
    await writeFile(join(context, 'ignored.log'), 'never sent\n');
    await writeFile(join(context, '.dockerignore'), '*.log\n');
    const { press, frame } = await start();
    await press('2', 'b');
    expect(frame()).toContain('Build an image (classic builder)');
    let f = await press(context, keys.tab, keys.tab, 'built:v1', keys.enter);
    expect(f).toContain(`✓ build ${context} -t built:v1`);
    expect(f).toContain('Step 1/3 : FROM fixture/02-whiteout:v1');
    expect(f).toContain('Step 2/3 : COPY hello.txt /hello.txt');
    expect(f).toContain('Successfully tagged built:v1');
    expect(f).toMatch(/built [0-9a-f]{12} as built:v1: 3 steps, 0 from cache/);
    const first = await engine.inspectImage('built:v1');
    expect((first.Config as { Env: string[] }).Env).toContain('GREETING=hi');

    f = await press('b', context, keys.tab, keys.tab, 'built:v2', keys.enter);
    expect(f).toMatch(/built [0-9a-f]{12} as built:v2: 3 steps, 2 from cache/);
    expect(f.match(/---> Using cache/g)).toHaveLength(2);
    expect((await engine.inspectImage('built:v2')).Id).toBe(first.Id);
  });

  it("shows a build's failure as the engine's message", async () => {
    await useEngine('memory');
    await runLoad(engine, fixtureArchive('02-whiteout'), () => {});
    const context = join(dir, 'bad-context');
    await mkdir(context, { recursive: true });
    // The base is local (no registry is asked); the COPY source is not in the context.
    await writeFile(join(context, 'Dockerfile'), 'FROM fixture/02-whiteout:v1\nCOPY missing.txt /missing.txt\n');
    const { press, frame } = await start();
    await press('2', 'b', context, keys.enter);
    expect(frame()).toContain(`✗ build ${context}`);
    expect(frame()).toMatch(/Error: .*missing\.txt/);
  });

  it('saves an image to a file, and asks before writing over it', async () => {
    await useEngine('memory');
    await runLoad(engine, fixtureArchive('02-whiteout'), () => {});
    const target = join(dir, 'saved.tar');
    const { press, frame } = await start();
    await press('2', 'S');
    expect(frame()).toContain('Save fixture/02-whiteout:v1 to a docker save archive');
    expect(frame()).toContain('02-whiteout_v1.tar');
    let f = await press(keys.clearField, target, keys.enter);
    expect(f).toMatch(/saved fixture\/02-whiteout:v1 to .*saved\.tar \(\d/);
    // What was written loads back as the same image.
    const again = createEngine(memoryPorts());
    onTestFinished(() => again.close());
    expect(await runLoad(again, fixtureArchiveOf(target), () => {})).toEqual(['sha256:07019df820f5879d03be94bb3657e4fa5c7dc9a78498f27c3bd7fe88f31ac291']);

    await writeFile(target, 'mine');
    f = await press('S', keys.clearField, target, keys.enter);
    expect(f).toContain(`${target} exists. Overwrite it? (y/n)`);
    await press('n');
    expect(await readFile(target, 'utf8')).toBe('mine');
    f = await press('S', keys.clearField, target, keys.enter, 'y');
    expect((await stat(target)).size).toBeGreaterThan(1_000_000);
  });

  it('filters the Layers tree by path, sorts it by size and hides what a layer left unchanged', async () => {
    await useEngine('memory');
    await runLoad(engine, fixtureArchive('02-whiteout'), () => {});
    const { press } = await start();
    let f = await press('2', keys.tab, keys.tab, keys.enter);
    f = await press('/', 'remove');
    expect(f).toContain('Filter paths: remove');
    f = await press(keys.enter);
    // The last layer removed it: listed with its full path, in red's mark.
    expect(f).toMatch(/- +7B \/data\/remove-me\.txt/);
    expect(f).toContain('paths with "remove"');
    expect(f).not.toMatch(/keep\.txt/);
    // Sorted by size: busybox (1.98MB) first among every layer up to 2. Esc and `o` typed fast
    // arrive together as alt-o: both still count.
    f = await press('/', `${keys.escape}o`, 'a');
    expect(f).toContain('sorted by size');
    expect(f).toMatch(/Every layer up to 2/);
    const sizes = [...f.matchAll(/^│?.*?[ +~-] +([\d.]+)(B|kB|MB) \/(\S+)/gm)].map((m) => Number(m[1]) * { B: 1, kB: 1e3, MB: 1e6 }[m[2] as 'B']);
    expect(sizes.length).toBeGreaterThan(3);
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
    expect(f).toMatch(/1\.98MB \/bin\/busybox/);
    // Hiding the unchanged leaves what layer 2 did: the removals and the dirs it touched.
    f = await press('u');
    expect(f).toContain('unchanged hidden');
    expect(f).not.toMatch(/\/bin\/busybox/);
    expect(f).toMatch(/- +\S+ \/data\/remove-me\.txt/);
    expect(f).toMatch(/- +\S+ \/data\/subdir/);
  });
});

/** A written archive as a stream for `runLoad`. */
function fixtureArchiveOf(path: string): ReadableStream<Uint8Array> {
  return Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>;
}

describe('volumes and disk usage on a data root', () => {
  it('creates a volume from the form and prunes the unused ones after naming them', async () => {
    await useEngine('data-root');
    await engine.createVolume({ Name: 'kept' });
    await runLoad(engine, fixtureArchive('02-whiteout'), () => {});
    await engine.createContainer({ Image: 'fixture/02-whiteout:v1', Cmd: ['true'], HostConfig: { Binds: ['kept:/data'] } }, { name: 'user' });
    const { press, frame } = await start();
    let listed = await press('3');
    // Each volume with how many containers use it; the selected one's users by name.
    expect(listed).toMatch(/DRIVER\s+VOLUME NAME\s+CONTAINERS/);
    expect(listed).toMatch(/local\s+kept\s+1/);
    expect(listed).toMatch(/Used by: user \([0-9a-f]{12}\)/);
    listed = await press('c');
    expect(frame()).toContain('Create a volume');
    let f = await press('made-here', keys.enter);
    expect(f).toContain('created volume made-here');
    expect(f).toMatch(/local\s+made-here\s+0/);
    f = await press('P');
    expect(f).toContain('Remove 1 unused volume (made-here)? (y/n)');
    f = await press('y');
    expect(f).toMatch(/removed 1 unused volumes; reclaimed/);
    expect((await engine.listVolumes()).Volumes.map((v) => v.Name)).toEqual(['kept']);
  });

  it('shows what each prune frees and prunes one row, then all, after asking', async () => {
    await useEngine('data-root');
    await runLoad(engine, fixtureArchive('02-whiteout'), () => {});
    await engine.createContainer({ Image: 'fixture/02-whiteout:v1', Cmd: ['true'] }, { name: 'stopped-one' });
    await engine.createVolume({ Name: 'unused' });
    const { press } = await start();
    let f = await press('4');
    expect(f).toMatch(/TYPE\s+TOTAL\s+ACTIVE\s+SIZE\s+RECLAIMABLE\s+PRUNE FREES/);
    expect(f).toMatch(/Images\s+1\s+1\s+1\.98MB/);
    expect(f).toMatch(/Containers\s+1\s+0\s+.*\(1\)/);
    expect(f).toMatch(/Local Volumes\s+1\s+0\s+.*\(1\)/);
    f = await press(keys.down, 'p');
    expect(f).toMatch(/Remove 1 stopped containers\? That frees about \S+\. \(y\/n\)/);
    f = await press('y');
    expect(f).toMatch(/removed 1 stopped containers; reclaimed/);
    expect(await engine.listContainers({ all: true })).toEqual([]);
    f = await press('P');
    expect(f).toContain('Remove 0 dangling images, 0 stopped containers, 1 unused volumes, 0 build cache?');
    f = await press('y');
    expect(f).toContain('removed 0 dangling images, 0 stopped containers, 1 unused volumes, 0 build cache');
    expect((await engine.listVolumes()).Volumes).toEqual([]);
    // The image stays: it is tagged.
    expect((await engine.listImages()).map((i) => i.RepoTags)).toEqual([['fixture/02-whiteout:v1']]);
  });

  it('runs a container with ports, volumes and env from the form', async () => {
    await useEngine('data-root');
    await runLoad(engine, fixtureArchive('02-whiteout'), () => {});
    const { press, frame } = await start(150, 40);
    await press('2', 'r');
    expect(frame()).toContain('Ports:');
    expect(frame()).toContain('Volumes:');
    await press('web', keys.tab, 'sleep 1', keys.tab, 'A=1', keys.tab, '127.0.0.1:8080:80 9090:90/udp', keys.tab, 'stuff:/data');
    await press(keys.enter);
    const inspect = await engine.inspectContainer('web');
    const host = inspect.HostConfig as { PortBindings: Record<string, unknown>; Binds: string[] };
    expect(host.PortBindings).toEqual({ '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }], '90/udp': [{ HostIp: '', HostPort: '9090' }] });
    expect(host.Binds).toEqual(['stuff:/data']);
    expect((inspect.Config as { Env: string[] }).Env).toContain('A=1');
    await engine.removeContainer('web', { force: true });
  });
});

const runtimeMissing = process.getuid?.() !== 0 ? 'containers need root' : !existsSync('/usr/sbin/runc') ? 'runc is not installed' : !existsSync('/usr/bin/conmon') ? 'conmon is not installed' : '';

describe.skipIf(runtimeMissing !== '')(`extracting a file of an image${runtimeMissing ? ` (skipped: ${runtimeMissing})` : ''}`, () => {
  it('copies the file the Layers filter found to the host, asks before overwriting, and leaves no container behind', async () => {
    const { openEmbeddedEngine } = await import('../cli/data-root-engine.js');
    const embedded = await openEmbeddedEngine(await mkdtemp(join(dir, 'runtime-root-')), { withRuntime: true });
    engine = embedded.engine;
    closeEngine = () => embedded.close();
    await runLoad(engine, fixtureArchive('02-whiteout'), () => {});
    const target = join(dir, 'keep-copy.txt');
    const { press, frame } = await start();
    await press('2', keys.tab, keys.tab, keys.enter);
    await press('/', 'keep', keys.enter);
    await press('x');
    expect(frame()).toContain('Extract a file of fixture/02-whiteout:v1 to the host');
    expect(frame()).toContain('Path in image: /data/keep.txt');
    let f = await press(target, keys.enter);
    expect(f).toMatch(/extracted \/data\/keep\.txt to .*keep-copy\.txt \(5B\)/);
    expect(await readFile(target, 'utf8')).toBe('keep\n');
    expect((await stat(target)).mode & 0o777).toBe(0o644);

    await writeFile(target, 'mine');
    f = await press('x', target, keys.enter);
    expect(f).toContain(`${target} exists. Overwrite it? (y/n)`);
    await press('n');
    expect(await readFile(target, 'utf8')).toBe('mine');
    await press('x', target, keys.enter, 'y');
    expect(await readFile(target, 'utf8')).toBe('keep\n');

    // A directory is not a file: the engine's archive says so, the app says what to do.
    f = await press('x', keys.tab, keys.clearField, '/data', keys.tab, join(dir, 'data-dir'), keys.enter);
    expect(f).toContain('Error: /data is a directory: only files can be extracted');
    expect(await engine.listContainers({ all: true })).toEqual([]);
  }, 60_000);
});
