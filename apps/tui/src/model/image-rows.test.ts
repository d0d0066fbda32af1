import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '@strata/core';
import { memoryPorts } from '@strata/storage';
import { nodeHostFiles } from '../cli/host-files.js';
import { fixtureArchive } from '../testing/fixture-archive.js';
import { imageRows } from './image-rows.js';

let dir: string;
let engine: Engine;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-rows-'));
  engine = createEngine(memoryPorts());
});
afterEach(async () => {
  await engine.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the Images panel rows', () => {
  it('leave out the intermediate images a build leaves behind, as docker images does, and list them with all (-a)', async () => {
    await engine.loadImages(fixtureArchive('02-whiteout'));
    await writeFile(join(dir, 'Dockerfile'), 'FROM fixture/02-whiteout:v1\nENV STEP=one\nLABEL step=two\n');
    const context = await nodeHostFiles(process.stdin).packContext(dir, 'Dockerfile');
    const built = await engine.buildImage(context, { dockerfile: 'Dockerfile', tags: ['built:v1'] }, () => undefined);
    // What the panel gets with its all toggle on (`docker images -a`); without it the engine leaves the intermediates out.
    const listed = await engine.listImages({ all: true });
    expect((await engine.listImages()).map((i) => i.Id).sort()).toEqual(listed.filter((i) => !i.RepoTags.includes('<none>:<none>')).map((i) => i.Id).sort());
    // The ENV step's image: no tag, and the parent of the LABEL step's (the built one).
    const intermediate = listed.find((i) => i.RepoTags.includes('<none>:<none>'));
    expect(intermediate?.Id).toBe(listed.find((i) => i.Id === built)?.ParentId);

    const names = (all: boolean) => imageRows(listed, { all }).map((r) => `${r.repository}:${r.tag}`);
    expect(names(false).sort()).toEqual(['built:v1', 'fixture/02-whiteout:v1']);
    expect(names(true).sort()).toEqual(['<none>:<none>', 'built:v1', 'fixture/02-whiteout:v1']);
    expect(imageRows(listed, { all: true }).find((r) => r.repository === '<none>')?.imageId).toBe(intermediate?.Id);

    // Removing the built image takes its untagged parent with it, as docker rmi prunes parents.
    expect((await engine.removeImage('built:v1')).flatMap((r) => ('Deleted' in r ? [r.Deleted] : [])).slice(0, 2)).toEqual([built, intermediate?.Id]);
    expect(imageRows(await engine.listImages({ all: true }), { all: true }).map((r) => `${r.repository}:${r.tag}`)).toEqual(['fixture/02-whiteout:v1']);
  });
});
