import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Docker from 'dockerode';
import { fixtureImage } from './fixtureImages.js';
import { startStratad, type StratadProcess } from './stratadProcess.js';

describe('dockerode against stratad', () => {
  let daemon: StratadProcess;
  let docker: Docker;
  const fixtures = [fixtureImage('01-base'), fixtureImage('07-metadata')];

  beforeAll(async () => {
    daemon = await startStratad();
    docker = new Docker({ socketPath: daemon.socket });
    for (const f of fixtures) {
      const stream = await docker.loadImage(f.tar, { quiet: true });
      await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err) => (err ? reject(err) : resolve())));
    }
  });
  afterAll(async () => {
    await daemon?.dispose();
  });

  it('version reports API 1.41 and the Strata engine', async () => {
    const v = await docker.version();
    expect(v.ApiVersion).toBe('1.41');
    expect(v.MinAPIVersion).toBe('1.12');
    expect(v.Components?.[0]).toMatchObject({ Name: 'Engine', Version: v.Version });
  });

  it('listImages returns the loaded images with their tags and sizes', async () => {
    const list = await docker.listImages();
    expect(list.map((i) => [i.Id, i.RepoTags, i.Size]).sort()).toEqual(fixtures.map((f) => [f.inspect.Id, [f.tag], f.inspect.Size]).sort());
    const filtered = await docker.listImages({ filters: { reference: ['fixture/*'] } });
    expect(filtered.map((i) => i.Id)).toEqual([fixtures[1].inspect.Id]);
  });

  it('getImage().inspect() matches the fixture\'s config', async () => {
    const f = fixtures[1];
    const inspect = await docker.getImage(f.tag).inspect();
    expect(inspect.Id).toBe(f.inspect.Id);
    expect(inspect.Config).toEqual(f.inspect.Config);
    expect(inspect.RootFS).toEqual(f.inspect.RootFS);
    await expect(docker.getImage('nosuch').inspect()).rejects.toMatchObject({ statusCode: 404 });
  });
});
