// docker run of an image stratad lacks: the CLI gets a 404 from create, pulls, and creates again (run_autopull.txt).
import { execFileSync } from 'node:child_process';
import { type LocalRegistry, startLocalRegistry } from '@strata/registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capturedOutput } from '../captureFixtures.js';
import { fixtureImage } from './fixtureImages.js';
import { startStratad, type StratadProcess } from './stratadProcess.js';
import { containerE2eSkipReason } from './containerE2eSkip.js';

const skipReason = containerE2eSkipReason();
if (skipReason) console.log(`docker run auto-pull e2e skipped: ${skipReason}`);

describe.skipIf(skipReason !== '')('docker run pulls a missing image from a docker-registry on 127.0.0.1', () => {
  let registry: LocalRegistry;
  let daemon: StratadProcess;
  let digest: string;
  let layer: string;
  beforeAll(async () => {
    registry = await startLocalRegistry();
    execFileSync('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `docker-archive:${fixtureImage('01-base').tar}`, `docker://${registry.host}/busybox:local`], { stdio: 'pipe' });
    const raw = execFileSync('skopeo', ['inspect', '--format', '{{.Digest}}', '--tls-verify=false', `docker://${registry.host}/busybox:local`]);
    digest = raw.toString().trim();
    const layers = JSON.parse(execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${registry.host}/busybox:local`]).toString()).layers as Array<{ digest: string }>;
    layer = layers[0].digest.slice(7, 19);
    daemon = await startStratad();
  }, 60_000);
  afterAll(async () => {
    await daemon?.dispose();
    await registry?.stop();
  });

  it('from an empty store prints Unable to find image, pull.txt\'s lines, then the command output', async () => {
    const image = `${registry.host}/busybox:local`;
    const r = await daemon.docker(['run', '--rm', '--network', 'none', image, 'echo', 'hi'], { timeoutMs: 60_000 });
    const local = (lines: string[]) =>
      lines.map((l) => l.replaceAll('127.0.0.1:5000', registry.host).replaceAll('ea98646956a9', layer).replace(/sha256:[0-9a-f]{64}/, digest));
    // run_autopull.txt was captured with the layer already in dockerd's store; from an empty store the
    // pull prints its layer lines as pull.txt shows, and run leaves out pull's last line (the reference).
    const [unable] = local(capturedOutput('run_autopull'));
    expect(unable).toBe(`Unable to find image '${registry.host}/busybox:local' locally`);
    // The CLI writes `Unable to find image` and the pull's progress to stderr, the container's output to stdout.
    expect(r.stderr.trimEnd().split('\n')).toEqual([unable, ...local(capturedOutput('pull')).slice(0, -1)]);
    expect(r.stdout).toBe('hi\n');
    expect(r.code).toBe(0);
    const inspect = JSON.parse((await daemon.docker(['image', 'inspect', image])).stdout)[0];
    expect(inspect.Id).toBe(fixtureImage('01-base').inspect.Id);
    expect(inspect.RepoDigests).toEqual([`${registry.host}/busybox@${digest}`]);
    expect((await daemon.docker(['ps', '-aq'])).stdout).toBe('');
  });

  it('with the image kept under another tag (as when run_autopull.txt was captured) prints exactly the capture', async () => {
    const image = `${registry.host}/busybox:local`;
    expect((await daemon.docker(['tag', image, `${registry.host}/busybox:keep`])).code).toBe(0);
    expect((await daemon.docker(['rmi', image])).code).toBe(0);
    const r = await daemon.docker(['run', '--rm', '--network', 'none', image, 'echo', 'pulled'], { timeoutMs: 60_000 });
    const want = capturedOutput('run_autopull').map((l) => l.replaceAll('127.0.0.1:5000', registry.host).replace(/sha256:[0-9a-f]{64}/, digest));
    expect(r.stderr.trimEnd().split('\n')).toEqual(want.slice(0, -1));
    expect(r.stdout).toBe(`${want.at(-1)}\n`);
    expect(r.code).toBe(0);
  });
});
