// `stratad --bridge=none` on a data root an earlier stratad ran its default bridge on: the old bridge
// namespace (kept by that stratad for a container still running on it) is removed, with the
// container's own namespace, as dockerd started with `-b none` drops the default bridge network.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bridgeNamespaceName } from '@strata/runtime';
import { fixturesDir } from '../captureFixtures.js';
import { startStratad, type StratadProcess } from './stratadProcess.js';
import { containerE2eSkipReason } from './containerE2eSkip.js';

const skipReason = containerE2eSkipReason([{ name: 'ip', path: '/usr/sbin/ip', aptPackage: 'iproute2' }], 'containers and namespaces need root here');
if (skipReason) console.log(`bridge-none leftover e2e skipped: ${skipReason}`);

const namespaces = () => (existsSync('/run/netns') ? readdirSync('/run/netns') : []);

describe.skipIf(skipReason !== '')('stratad --bridge=none after a stratad with the bridge on the same data root', () => {
  const started: StratadProcess[] = [];
  let dir: string | undefined;
  let running: string | undefined;

  afterAll(async () => {
    const last = started.at(-1);
    if (running && last) await last.docker(['rm', '-f', running]).catch(() => undefined);
    for (const daemon of started.reverse()) await daemon.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('removes the bridge namespace the first one kept for its running container, and that container\'s namespace', async () => {
    dir = await mkdtemp(join(tmpdir(), 'stratad-e2e-leftover-'));
    const withBridge = await startStratad([], dir);
    started.push(withBridge);
    await withBridge.docker(['load', '-i', join(fixturesDir, 'images/01-base/image.tar')]);
    const networks = (await withBridge.docker(['network', 'ls', '--format', '{{.Name}}'])).stdout.split('\n');
    expect(networks).toContain('bridge');
    const run = await withBridge.docker(['run', '-d', 'busybox:local', 'sleep', '60'], { timeoutMs: 30_000 });
    expect(run.code).toBe(0);
    running = run.stdout.trim();
    const bridgeNs = bridgeNamespaceName(withBridge.dataRoot);
    expect(namespaces()).toEqual(expect.arrayContaining([bridgeNs, `${bridgeNs}-${running}`]));
    // A stratad that stops with a container on its bridge keeps the namespace for it.
    await withBridge.stop();
    expect(namespaces()).toContain(bridgeNs);

    const bridgeless = await startStratad(['--bridge=none'], dir);
    started.push(bridgeless);
    expect(namespaces().filter((n) => n === bridgeNs || n.startsWith(`${bridgeNs}-`))).toEqual([]);
    expect((await bridgeless.docker(['network', 'ls', '--format', '{{.Name}}'])).stdout.split('\n').filter(Boolean).sort()).toEqual(['host', 'none']);
  });
});
