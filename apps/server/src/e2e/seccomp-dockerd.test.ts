// The seccomp section stratad writes into a container's OCI config must be the one dockerd 20.10 has runc apply.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerBinary } from '../dockerCli.js';
import { runDocker, startDockerd, type Dockerd } from '../testing/dockerd.js';
import { containerE2eSkipReason } from './containerE2eSkip.js';
import { fixturesDir } from '../captureFixtures.js';
import { startStratad, type StratadProcess } from './stratadProcess.js';
import { kernelConfig, missingAbisOf } from '@strata/runtime';

const containerSkip = containerE2eSkipReason();
const started = dockerBinary && !containerSkip ? await startDockerd() : { skip: containerSkip || 'no docker CLI on this machine' };
const skip = 'skip' in started ? started.skip : undefined;
if (skip) console.warn(`seccomp vs dockerd skipped: ${skip}`);

/** Paths of every file named `config.json` under dir whose path contains `id`. */
function configsOf(dir: string, id: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory() && !e.isSymbolicLink()) walk(p);
      else if (e.name === 'config.json' && p.includes(id) && statSync(p).isFile()) out.push(p);
    }
  };
  walk(dir);
  return out;
}

type OciConfig = { process: { capabilities: { bounding: string[] } }; linux: { seccomp?: { architectures?: string[] } } };

describe.skipIf(skip !== undefined)("stratad's linux.seccomp against a real dockerd's", () => {
  const dockerd = started as Dockerd;
  let stratad: StratadProcess;
  const real = (args: string[]) => runDocker(args, { env: dockerd.env });
  const image = join(fixturesDir, 'images/01-base/image.tar');

  beforeAll(async () => {
    stratad = await startStratad();
    expect((await stratad.docker(['load', '-i', image])).code).toBe(0);
    expect((await real(['load', '-i', image])).code).toBe(0);
  });

  afterAll(async () => {
    await real(['rm', '-f', 'sc-real']).catch(() => undefined);
    await stratad?.docker(['rm', '-f', 'sc-ours']).catch(() => undefined);
    await dockerd?.stop();
    await stratad?.dispose();
  });

  it('a default docker run gets the same capabilities and the same seccomp rules, in the same order', async () => {
    const theirsId = (await real(['run', '-d', '--name', 'sc-real', '--network', 'none', 'busybox:local', 'sleep', '60'])).stdout.trim();
    const oursId = (await stratad.docker(['run', '-d', '--name', 'sc-ours', '--network', 'none', 'busybox:local', 'sleep', '60'])).stdout.trim();
    const [theirsPath] = configsOf(dockerd.dir, theirsId);
    const oursPath = join(stratad.dataRoot, 'containers', oursId, 'userdata', 'config.json');
    const theirs = JSON.parse(readFileSync(theirsPath, 'utf8')) as OciConfig;
    const ours = JSON.parse(readFileSync(oursPath, 'utf8')) as OciConfig;
    expect(ours.process.capabilities.bounding.sort()).toEqual(theirs.process.capabilities.bounding.sort());
    expect(theirs.linux.seccomp).toBeDefined();
    // dockerd lists every ABI of the arch; stratad leaves out those this kernel was built without (x32 here).
    const missing = missingAbisOf(kernelConfig());
    const expected = { ...theirs.linux.seccomp, architectures: theirs.linux.seccomp?.architectures?.filter((a) => !missing.has(a)) };
    expect(ours.linux.seccomp).toEqual(expected);
  });
});
