// docker ps against stratad and a private real dockerd, the same containers made on both: the
// `GET /containers/json` summaries carry dockerd's fields in dockerd's order with dockerd's values
// (IDs, times and data-root paths aside), with and without size=1, and the docker CLI prints the
// same lines for the default table, -q, -n, -l, filters and every --format field.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixturesDir } from '../captureFixtures.js';
import { runDocker, startDockerd, type Dockerd } from '../testing/dockerd.js';
import { containerE2eSkipReason } from './containerE2eSkip.js';
import { socketRequest } from './socketRequest.js';
import { startStratad, type StratadProcess } from './stratadProcess.js';

const skipReason = containerE2eSkipReason();
if (skipReason) console.log(`ps-dockerd e2e skipped: ${skipReason}`);

type Docker = (args: string[]) => Promise<{ code: number; stdout: string; stderr: string }>;

interface Side {
  name: 'strata' | 'dockerd';
  docker: Docker;
  socket: string;
}

/** The same containers on either daemon, oldest first: created, exited with labels, running with ports, mounts, no network. */
async function makeContainers(docker: Docker, bindDir: string): Promise<void> {
  const ok = async (args: string[], code = 0) => {
    const r = await docker(args);
    if (r.code !== code) throw new Error(`docker ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  };
  await ok(['create', '--name', 'made', 'busybox:local', 'true']);
  await ok(['run', '--name', 'done', '-l', 'tier=db', '-l', 'Status=odd', 'busybox:local', 'sh', '-c', 'exit 3'], 3);
  await ok(['run', '--name', 'vols', '-v', 'psdata:/data', '-v', `${bindDir}:/b:ro`, '--tmpfs', '/t', 'busybox:local', 'busybox', 'true']);
  await ok(['create', '--name', 'nonet', '--network', 'none', 'busybox:local', 'sh', '-c', 'echo "quoted \\"words\\""']);
  await ok(['run', '-d', '--name', 'up', '--expose', '80', '-p', '127.0.0.1::81', 'busybox:local', 'sleep', '60']);
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * A summary with what differs between two daemons by nature replaced by its kind: IDs, creation
 * times, the age in Status, network and endpoint IDs, a volume's path under the data root, and the
 * order of Mounts (dockerd walks a Go map for them, so its order changes from call to call).
 */
function comparable(summary: Record<string, unknown>): unknown {
  return JSON.parse(
    JSON.stringify(mountsByDestination(summary), (key, value: unknown) => {
      if (typeof value === 'string' && HEX64.test(value)) return '<hex64>';
      if (key === 'Created' && typeof value === 'number') return '<unix time>';
      if (key === 'Status' && typeof value === 'string') return value.replace(/(Less than a second|\d+ seconds?|About a minute)/, '<age>');
      if (key === 'Source' && typeof value === 'string' && value.endsWith('/volumes/psdata/_data')) return '<volume path>';
      return value;
    }),
  );
}

/** The summary with its Mounts in one order: dockerd walks a Go map for them. */
function mountsByDestination(summary: Record<string, unknown>): Record<string, unknown> {
  if (!Array.isArray(summary.Mounts)) return summary;
  return { ...summary, Mounts: [...(summary.Mounts as Array<{ Destination: string }>)].sort((a, b) => a.Destination.localeCompare(b.Destination)) };
}

/** Key order of an object, recursively (JSON.parse keeps the order of the text). */
function keyOrder(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(keyOrder);
  if (value === null || typeof value !== 'object') return typeof value;
  return Object.entries(value).map(([k, v]) => [k, keyOrder(v)]);
}

async function summaries(side: Side, query: string): Promise<Array<Record<string, unknown>>> {
  const r = await socketRequest(side.socket, 'GET', `/v1.41/containers/json?${query}`);
  expect(r.status).toBe(200);
  expect(r.headers['content-type']).toBe('application/json');
  // dockerd sends bodies over a few KB chunked; ours always say their length.
  if (side.name === 'strata') expect(Number(r.headers['content-length'])).toBe(r.body.byteLength);
  expect(r.body.at(-1)).toBe(0x0a);
  return r.json as Array<Record<string, unknown>>;
}

/** What the docker CLI prints for `ps` in each form a user asks for, ages and IDs masked. */
async function psOutputs(docker: Docker): Promise<Record<string, string>> {
  const fields = ['Names', 'Image', 'Command', 'Status', 'Ports', 'Labels', 'Mounts', 'Networks', 'State', 'Label "tier"', 'RunningFor', 'LocalVolumes', 'CreatedAt'];
  const forms: Record<string, string[]> = {
    table: ['ps', '-a'],
    running: ['ps'],
    quiet: ['ps', '-a', '-q'],
    last: ['ps', '-l'],
    n2: ['ps', '-n', '2'],
    exited3: ['ps', '-a', '--filter', 'exited=3'],
    label: ['ps', '-a', '--filter', 'label=tier=db', '--format', '{{.Names}}'],
    status: ['ps', '-a', '--filter', 'status=created', '--format', '{{.Names}}'],
    name: ['ps', '-a', '--filter', 'name=o', '--format', '{{.Names}}'],
    formats: ['ps', '-a', '--no-trunc', '--format', fields.map((f) => `{{.${f}}}`).join('|')],
    json: ['ps', '-a', '--format', '{{json .}}'],
    size: ['ps', '-a', '-s'],
  };
  const out: Record<string, string> = {};
  for (const [form, args] of Object.entries(forms)) {
    const r = await docker(args);
    expect(r.code, `docker ${args.join(' ')}: ${r.stderr}`).toBe(0);
    out[form] = sortedLists(form, r.stdout)
      .replace(/\b[0-9a-f]{12}\b/g, '<id>')
      .replace(/(Less than a second|\d+ seconds?|About a minute)( ago)?/g, '<age>$2')
      .replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4} \w+/g, '<time>')
      .replace(/ {2,}/g, '  ');
  }
  return out;
}

/**
 * The Labels and Mounts of each `json` and `formats` line in one order: the CLI joins labels from a
 * Go map and dockerd lists mounts from one, so their order changes from call to call.
 */
function sortedLists(form: string, stdout: string): string {
  const sorted = (list: string) => list.split(',').sort().join(',');
  if (form === 'json') return stdout.replace(/"(Labels|Mounts)":"([^"]*)"/g, (_, key: string, list: string) => `"${key}":"${sorted(list)}"`);
  if (form !== 'formats') return stdout;
  return stdout
    .split('\n')
    .map((line) => line.split('|').map((field, i) => (i === 5 || i === 6 ? sorted(field) : field)).join('|'))
    .join('\n');
}

describe.skipIf(skipReason !== '')('docker ps: stratad answers as a real dockerd does', () => {
  let stratad: StratadProcess | undefined;
  let dockerd: Dockerd | undefined;
  let dockerdSkip = '';
  let bindDir = '';
  let strata!: Side;
  let real: Side | undefined;

  beforeAll(async () => {
    bindDir = await mkdtemp(join(tmpdir(), 'ps-bind-'));
    stratad = await startStratad(['--bridge=none']);
    strata = { name: 'strata', docker: (args) => stratad!.docker(args, { timeoutMs: 30_000 }), socket: stratad.socket };
    const started = await startDockerd();
    if ('skip' in started) dockerdSkip = started.skip;
    else {
      dockerd = started;
      real = { name: 'dockerd', docker: (args) => runDocker(args, { env: started.env }), socket: started.socket };
    }
    for (const side of real ? [strata, real] : [strata]) {
      expect((await side.docker(['load', '-i', join(fixturesDir, 'images/01-base/image.tar')])).stdout).toBe('Loaded image: busybox:local\n');
      await makeContainers(side.docker, bindDir);
    }
  }, 180_000);

  afterAll(async () => {
    for (const side of [strata, real]) {
      if (!side) continue;
      const ids = (await side.docker(['ps', '-a', '-q']).catch(() => ({ stdout: '' }))).stdout.split('\n').filter(Boolean);
      if (ids.length) await side.docker(['rm', '-f', '-v', ...ids]).catch(() => undefined);
    }
    await stratad?.dispose();
    await dockerd?.stop();
    if (bindDir) await rm(bindDir, { recursive: true, force: true });
  }, 120_000);

  it('lists the containers newest first with the summary fields dockerd sends, in its order', async () => {
    const ours = await summaries(strata, 'all=1');
    expect(ours.map((s) => (s.Names as string[])[0])).toEqual(['/up', '/nonet', '/vols', '/done', '/made']);
    // The facts read off dockerd 20.10 (--bridge=none) for the exited, labelled one.
    expect(comparable(ours[3]!)).toEqual({
      Id: '<hex64>', Names: ['/done'], Image: 'busybox:local', ImageID: 'sha256:d9d3d3752bd1479a851c86cfe0e9eaacb42f77a074be843ffefe136299d13479', Command: "sh -c 'exit 3'",
      Created: '<unix time>', Ports: [], Labels: { Status: 'odd', tier: 'db' }, State: 'exited', Status: 'Exited (3) <age> ago', HostConfig: { NetworkMode: 'default' },
      NetworkSettings: { Networks: { bridge: { IPAMConfig: null, Links: null, Aliases: null, NetworkID: '', EndpointID: '', Gateway: '', IPAddress: '', IPPrefixLen: 0, IPv6Gateway: '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0, MacAddress: '', DriverOpts: null } } },
      Mounts: [],
    });
  });

  it('a real dockerd sends the same summaries, field for field and in the same order', async (ctx) => {
    if (!real) {
      console.warn(`no dockerd here: ${dockerdSkip}`);
      ctx.skip();
      return;
    }
    for (const query of ['all=1', 'all=1&size=1', 'limit=2', 'all=1&filters=%7B%22label%22%3A%5B%22tier%22%5D%7D']) {
      const [ours, theirs] = [await summaries(strata, query), await summaries(real, query)];
      const sized = query.includes('size=1');
      // Sizes depend on the filesystem under each daemon: compared for presence, not value.
      const unsized = (list: Array<Record<string, unknown>>) => list.map((s) => comparable(sized ? { ...s, SizeRw: s.SizeRw === undefined ? undefined : 'n', SizeRootFs: 'n' } : s));
      expect(unsized(ours), query).toEqual(unsized(theirs));
      expect(ours.map((s) => keyOrder(mountsByDestination(s))), query).toEqual(theirs.map((s) => keyOrder(mountsByDestination(s))));
    }
  });

  it('the docker CLI prints the same ps output for both', async (ctx) => {
    if (!real) {
      console.warn(`no dockerd here: ${dockerdSkip}`);
      ctx.skip();
      return;
    }
    expect(await psOutputs(strata.docker)).toEqual(await psOutputs(real.docker));
  });
});
