import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { containerRows, imageRows } from '../model/index.js';
import { fixtureArchive } from '../testing/fixture-archive.js';
import { openEmbeddedEngine } from './data-root-engine.js';
import { nodeHostFiles } from './host-files.js';
import { familiarName, readStoreIndex } from './store-index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-index-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A data root with three fixture images under several kinds of names, and containers made by the engine. */
async function populate(): Promise<{ containers: ReturnType<typeof containerRows>; images: ReturnType<typeof imageRows> }> {
  const { engine, close } = await openEmbeddedEngine(dir);
  try {
    for (const fixture of ['01-base', '02-whiteout', '07-metadata']) await engine.loadImages(fixtureArchive(fixture));
    await engine.tagImage('fixture/02-whiteout:v1', 'example', 'latest');
    await engine.tagImage('fixture/02-whiteout:v1', 'localhost:5000/team/app', '1.0');
    await engine.tagImage('busybox:local', 'docker.io/library/nested/name', 'x');
    // A build leaves its steps behind as intermediate images, which the list leaves out as docker images does.
    const context = await mkdtemp(join(tmpdir(), 'strata-index-context-'));
    await writeFile(join(context, 'Dockerfile'), 'FROM fixture/02-whiteout:v1\nENV STEP=one\nLABEL step=two\n');
    await engine.buildImage!(await nodeHostFiles(process.stdin).packContext(context, 'Dockerfile'), { dockerfile: 'Dockerfile', tags: ['built:v1'] }, () => undefined);
    await rm(context, { recursive: true });
    await engine.createContainer({ Image: 'example', Cmd: ['true'], ExposedPorts: { '80/tcp': {}, '53/udp': {} } }, { name: 'web' });
    await engine.createContainer({ Image: 'fixture/07-metadata:v1' }, { name: 'meta' });
    await engine.createContainer({ Image: 'busybox:local', Cmd: ['sh'], NetworkDisabled: true, ExposedPorts: { '22/tcp': {} } });
    return { containers: containerRows(await engine.listContainers({ all: true })), images: imageRows(await engine.listImages()) };
  } finally {
    await close();
  }
}

/** Rewrites the record of the container named `name`. */
async function editRecord(name: string, change: (record: Record<string, any>) => void): Promise<void> {
  const recordsDir = join(dir, 'metadata', 'containers');
  for (const file of await readdir(recordsDir)) {
    const record = JSON.parse(await readFile(join(recordsDir, file), 'utf8')) as Record<string, any>;
    if (record.name !== `/${name}`) continue;
    change(record);
    await writeFile(join(recordsDir, file), JSON.stringify(record));
    return;
  }
  throw new Error(`no record for ${name}`);
}

describe('the store index (the first frame before the engine loads)', () => {
  it('reads the same rows from the record files as the engine lists', async () => {
    const live = await populate();
    expect(live.containers.map((r) => r.name)).toHaveLength(3);
    expect(live.images.map((r) => `${r.repository}:${r.tag}`)).toContain('localhost:5000/team/app:1.0');
    expect(live.containers.find((r) => r.name === 'web')?.ports).toBe('53/udp, 80/tcp');
    expect(live.images.map((r) => r.repository)).toContain('built');
    expect(live.images.map((r) => r.repository)).not.toContain('<none>');
    expect(await readStoreIndex(dir)).toEqual(live);
  });

  it('is empty for a data root nothing was written to', async () => {
    expect(await readStoreIndex(join(dir, 'fresh'))).toEqual({ containers: [], images: [] });
  });

  it('gives up on records the engine would rewrite when it starts: a running container whose process is gone', async () => {
    await populate();
    const gone = spawnSync('true').pid;
    await editRecord('web', (r) => (r.state = { ...r.state, status: 'running', pid: gone }));
    expect(await readStoreIndex(dir)).toBeUndefined();
  });

  it('gives up on an exited container whose restart policy restarts it with the engine, and on one being removed', async () => {
    await populate();
    await editRecord('web', (r) => {
      r.state = { ...r.state, status: 'exited' };
      r.hostConfig.RestartPolicy = { Name: 'always', MaximumRetryCount: 0 };
    });
    expect(await readStoreIndex(dir)).toBeUndefined();
    await editRecord('web', (r) => (r.hostConfig.RestartPolicy = { Name: 'no', MaximumRetryCount: 0 }));
    expect((await readStoreIndex(dir))?.containers.find((c) => c.name === 'web')?.state).toBe('exited');
    await editRecord('web', (r) => (r.state = { ...r.state, status: 'removing' }));
    expect(await readStoreIndex(dir)).toBeUndefined();
  });

  it('keeps a running container whose process lives, with its published ports', async () => {
    await populate();
    await editRecord('web', (r) => {
      r.state = { ...r.state, status: 'running', pid: process.pid };
      r.endpoint = { ports: [{ containerPort: 80, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 8080 }] };
    });
    const index = await readStoreIndex(dir);
    expect(index?.containers.find((c) => c.name === 'web')).toMatchObject({ state: 'running', ports: '53/udp, 127.0.0.1:8080->80/tcp' });
  });

  it('writes names in Docker\'s familiar form', () => {
    expect(['docker.io/library/busybox:latest', 'docker.io/library/nested/name:x', 'docker.io/bench/image-0:v1', 'localhost:5000/team/app:1.0'].map(familiarName)).toEqual([
      'busybox:latest',
      'library/nested/name:x',
      'bench/image-0:v1',
      'localhost:5000/team/app:1.0',
    ]);
  });
});
