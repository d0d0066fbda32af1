import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { fixturesDir } from '../captureFixtures.js';
import { capturedOutput } from '../captureFixtures.js';
import { spawnDocker } from '../dockerCli.js';
import { startStratad, type StratadProcess } from './stratadProcess.js';
import { containerE2eSkipReason } from './containerE2eSkip.js';

const skipReason = containerE2eSkipReason();
if (skipReason) console.log(`containers e2e skipped: ${skipReason}`);

/** `Exited (137) 2 seconds ago` and friends: go-units' human durations. */
const ago = '(Less than a second|1 second|\\d+ seconds|About a minute|\\d+ minutes) ago';

describe.skipIf(skipReason !== '')('containers through the real docker CLI', () => {
  let daemon: StratadProcess;
  const docker = (...args: string[]) => daemon.docker(args, { timeoutMs: 30_000 });

  beforeAll(async () => {
    daemon = await startStratad();
    const load = await docker('load', '-i', join(fixturesDir, 'images/01-base/image.tar'));
    expect(load.stdout).toBe('Loaded image: busybox:local\n');
  });

  afterEach(async () => {
    // Every test leaves no container behind, also when it failed half-way.
    const ids = (await docker('ps', '-a', '-q')).stdout.split('\n').filter(Boolean);
    if (ids.length > 0) await docker('rm', '-f', ...ids);
  });

  afterAll(async () => {
    await daemon?.dispose();
  });

  it('docker run --rm echo hi prints hi, exits 0 and leaves no container', async () => {
    const r = await docker('run', '--rm', 'busybox:local', 'echo', 'hi');
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: 'hi\n', stderr: '' });
    expect((await docker('ps', '-a', '-q')).stdout).toBe('');
  });

  it('keeps stdout and stderr apart and exits with the process\'s code', async () => {
    const r = await docker('run', 'busybox:local', 'sh', '-c', 'echo out; echo err >&2; exit 3');
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 3, stdout: 'out\n', stderr: 'err\n' });
    const ps = await docker('ps', '-a', '--format', '{{.Status}}|{{.Command}}');
    expect(ps.stdout).toMatch(new RegExp(`^Exited \\(3\\) ${ago}\\|"sh -c 'echo out; ec…"\\n$`));
  });

  it('the hostname is the short ID and the user is root', async () => {
    const r = await docker('run', '--name', 'hn', 'busybox:local', 'hostname');
    const id = (await docker('inspect', '-f', '{{.Id}}', 'hn')).stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(r.stdout).toBe(`${id.slice(0, 12)}\n`);
    expect((await docker('run', '--rm', 'busybox:local', 'id', '-u')).stdout).toBe('0\n');
  });

  it('run -d, ps, logs, stop -t 1 (Exited (137)), rm', async () => {
    const run = await docker('run', '-d', '--name', 'web', 'busybox:local', 'sh', '-c', 'echo started; echo oops >&2; exec sleep 100');
    expect(run.code).toBe(0);
    const id = run.stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);

    const ps = (await docker('ps')).stdout.split('\n');
    expect(ps[0]).toMatch(/^CONTAINER ID   IMAGE           COMMAND                  CREATED\s+STATUS\s+PORTS     NAMES$/);
    const row = ps[1].split(/ {3,}/);
    expect(row[0]).toBe(id.slice(0, 12));
    expect(row[1]).toBe('busybox:local');
    expect(row[2]).toBe('"sh -c \'echo started…"');
    expect(row[3]).toMatch(new RegExp(`^${ago}$`));
    expect(row[4]).toMatch(/^Up (Less than a second|\d+ seconds?)$/);
    expect(row.at(-1)).toBe('web');

    await expect.poll(async () => (await docker('logs', 'web')).stdout, { timeout: 5000 }).toBe('started\n');
    const logs = await docker('logs', 'web');
    expect([logs.stdout, logs.stderr]).toEqual(['started\n', 'oops\n']);

    const stop = await docker('stop', '-t', '1', 'web');
    expect([stop.code, stop.stdout]).toEqual([0, 'web\n']);
    expect((await docker('ps', '-q')).stdout).toBe('');
    expect((await docker('ps', '-a', '--format', '{{.Names}} {{.Status}}')).stdout).toMatch(new RegExp(`^web Exited \\(137\\) ${ago}\\n$`));
    expect((await docker('inspect', '-f', '{{.State.Status}} {{.State.ExitCode}} {{.State.Running}}', 'web')).stdout).toBe('exited 137 false\n');

    const rm = await docker('rm', 'web');
    expect([rm.code, rm.stdout]).toEqual([0, 'web\n']);
    expect((await docker('ps', '-a', '-q')).stdout).toBe('');
  });

  it('start, restart, kill -s, pause/unpause, rename, top, wait, inspect', async () => {
    const created = await docker('create', '--name', 'st', 'busybox:local', 'sh', '-c', "trap 'echo got USR1' USR1; trap 'exit 4' TERM; while true; do sleep 0.1; done");
    expect(created.code).toBe(0);
    expect((await docker('ps', '-a', '--format', '{{.Status}}')).stdout).toBe('Created\n');
    expect((await docker('start', 'st')).stdout).toBe('st\n');
    // start of a running container: 304, the CLI prints the name and exits 0
    expect(await docker('start', 'st')).toMatchObject({ code: 0, stdout: 'st\n' });

    const top = await docker('top', 'st');
    expect(top.stdout.split('\n')[0].split(/\s+/)).toEqual(['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD']);
    expect(top.stdout).toContain('root ');

    expect((await docker('kill', '-s', 'SIGUSR1', 'st')).stdout).toBe('st\n');
    await expect.poll(async () => (await docker('logs', 'st')).stdout, { timeout: 5000 }).toContain('got USR1\n');

    expect((await docker('pause', 'st')).stdout).toBe('st\n');
    expect((await docker('ps', '--format', '{{.Status}}')).stdout).toMatch(/^Up .* \(Paused\)\n$/);
    const again = await docker('pause', 'st');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^Error response from daemon: Container [0-9a-f]{64} is already paused\n$/);
    expect((await docker('unpause', 'st')).stdout).toBe('st\n');

    expect(await docker('rename', 'st', 'st2')).toMatchObject({ code: 0, stdout: '' });
    expect((await docker('inspect', '-f', '{{.Name}} {{.State.Running}} {{.Config.Tty}}', 'st2')).stdout).toBe('/st2 true false\n');

    expect((await docker('restart', '-t', '1', 'st2')).stdout).toBe('st2\n');
    expect((await docker('inspect', '-f', '{{.State.Running}}', 'st2')).stdout).toBe('true\n');

    const waiting = spawnDocker(daemon.host, join(daemon.dir, 'docker-config'), ['wait', 'st2']);
    const waited = new Promise<{ code: number | null; out: string }>((resolve) => {
      let out = '';
      waiting.stdout.on('data', (b: Buffer) => (out += b.toString()));
      waiting.on('close', (code) => resolve({ code, out }));
    });
    try {
      await new Promise((r) => setTimeout(r, 300));
      expect((await docker('kill', '-s', 'TERM', 'st2')).stdout).toBe('st2\n');
      expect(await waited).toEqual({ code: 0, out: '4\n' });
    } finally {
      if (waiting.exitCode === null && waiting.pid !== undefined) process.kill(waiting.pid, 'SIGKILL');
    }
    expect((await docker('wait', 'st2')).stdout).toBe('4\n');
  });

  it('docker start -a and docker attach stream the output and exit with the process\'s code', async () => {
    await docker('create', '--name', 'c1', 'busybox:local', 'sh', '-c', 'echo hi; echo ho >&2; exit 5');
    const started = await docker('start', '-a', 'c1');
    expect({ code: started.code, stdout: started.stdout, stderr: started.stderr }).toEqual({ code: 5, stdout: 'hi\n', stderr: 'ho\n' });

    await docker('run', '-d', '--name', 'att', 'busybox:local', 'sh', '-c', 'sleep 1; for i in 1 2 3; do echo tick$i; done; exit 4');
    const attached = await docker('attach', '--no-stdin', 'att');
    expect({ code: attached.code, stdout: attached.stdout }).toEqual({ code: 4, stdout: `${capturedOutput('attach').join('\n')}\n` });
  });

  it('docker logs: --tail, --timestamps, --follow until the process exits', async () => {
    await docker('run', '-d', '--name', 'lg', 'busybox:local', 'sh', '-c', 'echo out1; echo err1 >&2; sleep 1; echo out2');
    await expect.poll(async () => (await docker('logs', 'lg')).stdout, { timeout: 5000 }).toBe('out1\n');
    const follow = await docker('logs', '-f', 'lg');
    expect([follow.code, follow.stdout, follow.stderr]).toEqual([0, 'out1\nout2\n', 'err1\n']);
    expect((await docker('logs', '--tail', '1', 'lg')).stdout).toBe('out2\n');
    const stamped = await docker('logs', '-t', 'lg');
    expect(stamped.stdout).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z out1\n\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z out2\n$/);
  });

  it('errors as dockerd: no command 125, not found 127, permission denied 126', async () => {
    const nocmd = await docker('run', '--rm', 'busybox:local');
    expect(nocmd.code).toBe(125);
    expect(nocmd.stderr).toContain(capturedOutput('run_nocmd_err')[0]);
    const nope = await docker('run', '--rm', 'busybox:local', 'nope');
    expect(nope.code).toBe(127);
    expect(nope.stderr).toContain('exec: "nope": executable file not found in $PATH');
    const perm = await docker('run', '--rm', 'busybox:local', '/etc');
    expect(perm.code).toBe(126);
    expect(perm.stderr).toContain(capturedOutput('run_perm_err')[0].replace(/^docker: Error response from daemon: /, '').split(': runc create failed')[0]);
  });

  it('errors as dockerd: stop of a stopped one, kill of a stopped one 409, rm of a running one 409, name in use 409', async () => {
    const id = (await docker('run', '-d', '--name', 'web', 'busybox:local', 'sleep', '100')).stdout.trim();
    const rm = await docker('rm', 'web');
    expect(rm.code).toBe(1);
    expect(rm.stderr).toBe(`Error response from daemon: You cannot remove a running container ${id}. Stop the container before attempting removal or force remove\n`);
    const dup = await docker('run', '-d', '--name', 'web', 'busybox:local', 'sleep', '100');
    expect(dup.code).toBe(125);
    expect(dup.stderr).toContain(`Conflict. The container name "/web" is already in use by container "${id}"`);
    expect((await docker('kill', 'web')).stdout).toBe('web\n');
    expect(await docker('stop', 'web')).toMatchObject({ code: 0, stdout: 'web\n' });
    const kill = await docker('kill', 'web');
    expect(kill.code).toBe(1);
    expect(kill.stderr).toBe(`Error response from daemon: Cannot kill container: web: Container ${id} is not running\n`);
    const missingOne = await docker('start', 'nosuch');
    expect(missingOne.code).toBe(1);
    expect(missingOne.stderr).toBe(`${capturedOutput('start_notfound').join('\n')}\n`);
  });

  it('docker info counts containers and names the runtime', async () => {
    await docker('run', '-d', '--name', 'up', 'busybox:local', 'sleep', '100');
    await docker('create', '--name', 'made', 'busybox:local', 'true');
    const info = await docker('info', '--format', '{{.Containers}} {{.ContainersRunning}} {{.ContainersPaused}} {{.ContainersStopped}} {{json .Runtimes}} {{.DefaultRuntime}}');
    expect(info.stdout).toBe('2 1 0 1 {"runc":{"path":"/usr/sbin/runc"}} runc\n');
  });

  it('docker system df counts the containers, their writable layers and each image\'s containers', async () => {
    await docker('run', '--name', 'wrote', 'busybox:local', 'sh', '-c', 'busybox dd if=/dev/zero of=/blob bs=1k count=64 2>/dev/null');
    await docker('create', '--name', 'made', 'busybox:local', 'true');
    const df = await docker('system', 'df', '--format', '{{.Type}}|{{.TotalCount}}|{{.Active}}|{{.Size}}');
    expect(df.code, df.stderr).toBe(0);
    const containersRow = df.stdout.split('\n').find((l) => l.startsWith('Containers|'));
    expect(containersRow).toMatch(/^Containers\|2\|0\|6\d\.\d+kB$/);
    const verbose = await docker('system', 'df', '-v', '--format', '{{json .}}');
    const usage = JSON.parse(verbose.stdout) as { Images: Array<{ Repository: string; Containers: string }>; Containers: Array<{ Names: string; Size: string }> };
    expect(usage.Images.find((i) => i.Repository === 'busybox')?.Containers).toBe('2');
    expect(usage.Containers.map((c) => c.Names).sort()).toEqual(['made', 'wrote']);
  });
});
