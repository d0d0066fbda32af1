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
    const listed = await engine.listImages();
    // The ENV step's image: no tag, and the parent of the LABEL step's (the built one).
    const intermediate = listed.find((i) => i.RepoTags.includes('<none>:<none>'));
    expect(intermediate?.Id).toBe(listed.find((i) => i.Id === built)?.ParentId);

    const names = (all: boolean) => imageRows(listed, { all }).map((r) => `${r.repository}:${r.tag}`);
    expect(names(false).sort()).toEqual(['built:v1', 'fixture/02-whiteout:v1']);
    expect(names(true).sort()).toEqual(['<none>:<none>', 'built:v1', 'fixture/02-whiteout:v1']);
    expect(imageRows(listed, { all: true }).find((r) => r.repository === '<none>')?.imageId).toBe(intermediate?.Id);

    // Once the built image is gone the step's image is nobody's parent: a dangling image, which docker images lists.
    await engine.removeImage('built:v1');
    expect(imageRows(await engine.listImages()).map((r) => `${r.repository}:${r.tag}`).sort()).toEqual(['<none>:<none>', 'fixture/02-whiteout:v1']);
  });
});
