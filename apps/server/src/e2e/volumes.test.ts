// Volumes, binds and tmpfs through the real docker CLI, compared with the captured dockerd answers.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { capturedOutput, fixturesDir } from '../captureFixtures.js';
import { startStratad, type StratadProcess } from './stratadProcess.js';
import { containerE2eSkipReason } from './containerE2eSkip.js';

const skipReason = containerE2eSkipReason();
if (skipReason) console.log(`volumes e2e skipped: ${skipReason}`);

describe.skipIf(skipReason !== '')('volumes through the real docker CLI', () => {
  let daemon: StratadProcess;
  let hostDir = '';
  const docker = (...args: string[]) => daemon.docker(args, { timeoutMs: 30_000 });
  const volumesDir = () => join(daemon.dataRoot, 'volumes');

  beforeAll(async () => {
    daemon = await startStratad();
    hostDir = await mkdtemp(join(tmpdir(), 'strata-bind-'));
    expect((await docker('load', '-i', join(fixturesDir, 'images/01-base/image.tar'))).stdout).toBe('Loaded image: busybox:local\n');
  });

  afterEach(async () => {
    const ids = (await docker('ps', '-a', '-q')).stdout.split('\n').filter(Boolean);
    if (ids.length > 0) await docker('rm', '-f', ...ids);
    const vols = (await docker('volume', 'ls', '-q')).stdout.split('\n').filter(Boolean);
    if (vols.length > 0) await docker('volume', 'rm', '-f', ...vols);
  });

  afterAll(async () => {
    await daemon?.dispose();
    if (hostDir) await rm(hostDir, { recursive: true, force: true });
  });

  it('volume create, ls, inspect, rm print what dockerd printed; data lives in <root>/volumes/<name>/_data', async () => {
    expect((await docker('volume', 'create', 'vol')).stdout.split('\n')).toEqual([...capturedOutput('volume_create'), '']);
    expect((await docker('volume', 'ls')).stdout.split('\n')).toEqual([...capturedOutput('volume_ls'), '']);
    const inspect = JSON.parse((await docker('volume', 'inspect', 'vol')).stdout);
    expect(inspect).toEqual([{ CreatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/), Driver: 'local', Labels: null, Mountpoint: join(volumesDir(), 'vol/_data'), Name: 'vol', Options: null, Scope: 'local' }]);
    // run_vol: the captured command and output.
    const run = await docker('run', '--rm', '--network', 'none', '-v', 'vol:/data', 'busybox:local', 'sh', '-c', 'echo v > /data/v.txt; ls /data');
    expect(run.stdout.split('\n')).toEqual([...capturedOutput('run_vol'), '']);
    expect(await readFile(join(volumesDir(), 'vol/_data/v.txt'), 'utf8')).toBe('v\n');
    expect((await docker('volume', 'rm', 'vol')).stdout.split('\n')).toEqual([...capturedOutput('volume_rm'), '']);
    expect(existsSync(join(volumesDir(), 'vol'))).toBe(false);
    const again = await docker('volume', 'rm', 'vol');
    expect([again.code, again.stderr]).toEqual([1, `${capturedOutput('volume_rm_notfound')[0]}\n`]);
  });

  it('rm of a volume in use is refused with the user\'s ID; data survives docker rm of every container using it', async () => {
    const a = await docker('run', '--name', 'writer', '--network', 'none', '-v', 'vol2:/data', 'busybox:local', 'sh', '-c', 'echo kept > /data/f');
    expect(a.code).toBe(0);
    const id = (await docker('inspect', '-f', '{{.Id}}', 'writer')).stdout.trim();
    const refused = await docker('volume', 'rm', 'vol2');
    expect([refused.code, refused.stderr]).toEqual([1, `Error response from daemon: remove vol2: volume is in use - [${id}]\n`]);
    await docker('run', '--name', 'reader', '--network', 'none', '-v', 'vol2:/data', 'busybox:local', 'cat', '/data/f');
    expect((await docker('rm', '-v', 'writer', 'reader')).code).toBe(0);
    expect((await docker('run', '--rm', '--network', 'none', '-v', 'vol2:/d', 'busybox:local', 'cat', '/d/f')).stdout).toBe('kept\n');
    expect((await docker('volume', 'ls', '-q')).stdout).toBe('vol2\n');
    const df = await docker('system', 'df', '--format', '{{.Type}}|{{.TotalCount}}|{{.Active}}|{{.Size}}|{{.Reclaimable}}');
    expect(df.stdout.split('\n')).toContain('Local Volumes|1|0|5B|5B (100%)');
  });

  it('invalid volume names are refused with Docker\'s message and nothing is created', async () => {
    const bad = await docker('volume', 'create', 'bad name');
    expect([bad.code, bad.stderr]).toEqual([
      1,
      'Error response from daemon: create bad name: "bad name" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path\n',
    ]);
    const viaRun = await docker('run', '--rm', '--mount', 'type=volume,source=-bad,target=/d', 'busybox:local', 'ls');
    expect(viaRun.code).toBe(125);
    expect(viaRun.stderr).toContain('create -bad: "-bad" includes invalid characters for a local volume name');
    expect((await docker('volume', 'ls', '-q')).stdout).toBe('');
    expect(readdirSync(volumesDir())).toEqual([]);
    expect((await docker('ps', '-a', '-q')).stdout).toBe('');
  });

  it('a new named volume is filled from the image at its mount point; anonymous ones go with rm -v and --rm', async () => {
    const fill = await docker('run', '--rm', '--network', 'none', '-v', 'binvol:/bin', 'busybox:local', 'ls', '/bin');
    expect(fill.code).toBe(0);
    const listed = fill.stdout.split('\n').filter(Boolean);
    expect(listed).toContain('busybox');
    expect(readdirSync(join(volumesDir(), 'binvol/_data')).sort()).toEqual([...listed].sort());

    await docker('create', '--name', 'anon', '-v', '/scratch', 'busybox:local', 'true');
    const mounts = JSON.parse((await docker('inspect', '-f', '{{json .Mounts}}', 'anon')).stdout);
    expect(mounts).toEqual([{ Type: 'volume', Name: expect.stringMatching(/^[0-9a-f]{64}$/), Source: expect.stringContaining(volumesDir()), Destination: '/scratch', Driver: 'local', Mode: '', RW: true, Propagation: '' }]);
    expect((await docker('volume', 'ls', '-q')).stdout.split('\n').filter(Boolean).sort()).toEqual([mounts[0].Name, 'binvol'].sort());
    await docker('rm', '-v', 'anon');
    await docker('run', '--rm', '--network', 'none', '-v', '/tmpvol', 'busybox:local', 'ls', '/tmpvol');
    expect((await docker('volume', 'ls', '-q')).stdout).toBe('binvol\n');
    const pruned = await docker('volume', 'prune', '-f');
    expect(pruned.stdout).toMatch(/^Deleted Volumes:\nbinvol\n\nTotal reclaimed space: [\d.]+[kM]?B\n$/);
    expect(readdirSync(volumesDir())).toEqual([]);
  });

  it('bind mounts (:ro refuses writes), --mount type=bind|tmpfs and --tmpfs, as inspect Mounts shows them', async () => {
    const src = join(hostDir, 'cpdir');
    await mkdir(src);
    await writeFile(join(src, 'hostfile.txt'), 'from host\n');
    const ro = await docker('run', '--rm', '--network', 'none', '-v', `${src}:/mnt:ro`, 'busybox:local', 'ls', '/mnt');
    expect(ro.stdout.split('\n')).toEqual([...capturedOutput('run_bind'), '']);
    const write = await docker('run', '--rm', '--network', 'none', '-v', `${src}:/mnt:ro`, 'busybox:local', 'touch', '/mnt/new');
    expect([write.code, write.stderr]).toEqual([1, "touch: /mnt/new: Read-only file system\n"]);
    const rw = await docker('run', '--name', 'mix', '--network', 'none', '--mount', `type=bind,source=${src},target=/b`, '--mount', 'type=tmpfs,target=/t', '--tmpfs', '/run:size=1m', 'busybox:local', 'sh', '-c', 'echo back > /b/from-container; grep -E " /(t|run) " /proc/mounts');
    expect(rw.stdout).toBe('tmpfs /t tmpfs rw,nosuid,nodev,noexec,relatime 0 0\ntmpfs /run tmpfs rw,nosuid,nodev,noexec,relatime,size=1024k 0 0\n');
    expect(await readFile(join(src, 'from-container'), 'utf8')).toBe('back\n');
    expect(JSON.parse((await docker('inspect', '-f', '{{json .Mounts}}', 'mix')).stdout)).toEqual([
      { Type: 'bind', Source: src, Destination: '/b', Mode: '', RW: true, Propagation: 'rprivate' },
      { Type: 'tmpfs', Source: '', Destination: '/t', Mode: '', RW: true, Propagation: '' },
    ]);
    const missingSource = await docker('run', '--rm', '--mount', `type=bind,source=${join(hostDir, 'nope')},target=/b`, 'busybox:local', 'ls');
    expect(missingSource.code).toBe(125);
    expect(missingSource.stderr).toContain(`invalid mount config for type "bind": bind source path does not exist: ${join(hostDir, 'nope')}`);
    expect(existsSync(join(hostDir, 'nope'))).toBe(false);
  });
});
