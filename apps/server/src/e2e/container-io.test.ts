// End to end: stdin, ttys, attach and exec of real containers (runc + conmon) through the real
// docker CLI against stratad; interactive sessions run in a private tmux server, as a user types.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fixturesDir } from '../captureFixtures.js';
import { dockerBinary } from '../dockerCli.js';
import { socketRequest } from './socketRequest.js';
import { startStratad, type StratadProcess } from './stratadProcess.js';
import { containerE2eSkipReason } from './containerE2eSkip.js';

const run = promisify(execFile);
const skipReason = containerE2eSkipReason([{ name: 'tmux', path: '/usr/bin/tmux', aptPackage: 'tmux' }]);
if (skipReason) console.log(`container io e2e skipped: ${skipReason}`);

/** One raw hijacked attach, as a client other than the CLI drives it: what it read, and whether the server closed. */
function rawAttach(socket: string, path: string, input: Array<{ afterMs: number; bytes: string }>, waitMs: number): Promise<{ output: Buffer; serverClosed: boolean }> {
  return new Promise((resolve) => {
    const s = connect(socket);
    let received = Buffer.alloc(0);
    let serverClosed = false;
    const timers: ReturnType<typeof setTimeout>[] = [];
    const finish = () => {
      for (const t of timers) clearTimeout(t);
      s.destroy();
      const text = received.toString('latin1');
      const at = text.indexOf('\r\n\r\n');
      resolve({ output: at < 0 ? Buffer.alloc(0) : received.subarray(at + 4), serverClosed });
    };
    s.on('data', (b: Buffer) => (received = Buffer.concat([received, b])));
    s.on('end', () => {
      serverClosed = true;
      finish();
    });
    s.on('error', finish);
    s.write(`POST ${path} HTTP/1.1\r\nHost: api.moby.localhost\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n`);
    for (const step of input) timers.push(setTimeout(() => s.write(step.bytes), step.afterMs));
    timers.push(setTimeout(finish, waitMs));
  });
}

/** The payload of stdout frames of a multiplexed stream. */
function stdoutOf(stream: Buffer): string {
  let out = '';
  for (let at = 0; at + 8 <= stream.length; ) {
    const size = stream.readUInt32BE(at + 4);
    if (stream[at] === 1) out += stream.subarray(at + 8, at + 8 + size).toString('utf8');
    at += 8 + size;
  }
  return out;
}

describe.skipIf(skipReason !== '')('container stdin, ttys and exec through the real docker CLI', () => {
  let daemon: StratadProcess;
  const docker = (args: string[], input?: string) => daemon.docker(args, { timeoutMs: 30_000, ...(input !== undefined ? { input } : {}) });
  let tmuxSocket: string;
  const tmux = async (...args: string[]): Promise<string> => (await run('tmux', ['-S', tmuxSocket, ...args])).stdout;
  /** A tmux session running `command` against stratad, then printing `<label>=<exit code>` and idling. */
  const session = async (name: string, command: string, label: string) => {
    const env = `DOCKER_HOST=${daemon.host} DOCKER_CONFIG=${join(daemon.dir, 'docker-config')}`;
    await tmux('new-session', '-d', '-s', name, '-x', '100', '-y', '30', 'sh', '-c', `env ${env} ${dockerBinary} ${command}; echo ${label}=$?; sleep 600`);
  };
  const screen = async (name: string) => tmux('capture-pane', '-p', '-t', name);
  const typeLine = async (name: string, text: string) => tmux('send-keys', '-t', name, text, 'Enter');
  const state = async (name: string) => JSON.parse((await docker(['inspect', '-f', '{{json .State}}', name])).stdout) as { Status: string; Running: boolean; ExitCode: number };

  beforeAll(async () => {
    daemon = await startStratad();
    tmuxSocket = join(daemon.dir, 'tmux.sock');
    const load = await docker(['load', '-i', join(fixturesDir, 'images/01-base/image.tar')]);
    expect(load.stdout).toBe('Loaded image: busybox:local\n');
  });

  afterEach(async () => {
    await tmux('kill-server').catch(() => undefined);
    const ids = (await docker(['ps', '-a', '-q'])).stdout.split('\n').filter(Boolean);
    if (ids.length > 0) await docker(['rm', '-f', ...ids]);
  });

  afterAll(async () => {
    await daemon?.dispose();
  });

  it('echo hi | docker run -i --rm cat prints hi and exits 0 (stdin half-close reaches the process)', async () => {
    const r = await docker(['run', '-i', '--rm', 'busybox:local', 'cat'], 'hi\n');
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: 'hi\n', stderr: '' });
    const lines = await docker(['run', '-i', '--rm', 'busybox:local', 'sh', '-c', 'wc -l; exit 4'], 'a\nb\nc\n');
    expect({ code: lines.code, stdout: lines.stdout.trim() }).toEqual({ code: 4, stdout: '3' });
  });

  it('docker run -it sh: a root shell whose hostname is the short ID, sized by the CLI; Ctrl-P Ctrl-Q detaches; attach and exit stop it', async () => {
    await session('run', 'run -it --name tty1 busybox:local sh', 'RUN_EXIT');
    await expect.poll(() => screen('run'), { timeout: 20_000 }).toMatch(/^\/ #/m);
    await typeLine('run', 'hostname; id -u; stty size; tty');
    const id = (await docker(['inspect', '-f', '{{.Id}}', 'tty1'])).stdout.trim();
    await expect.poll(() => screen('run'), { timeout: 20_000 }).toContain(`${id.slice(0, 12)}\n0\n30 100\n/dev/pts/0\n`);

    await tmux('send-keys', '-t', 'run', 'C-p', 'C-q');
    await expect.poll(() => screen('run'), { timeout: 20_000 }).toContain('RUN_EXIT=0');
    expect(await state('tty1')).toMatchObject({ Status: 'running', Running: true });

    await session('again', 'attach tty1', 'ATTACH_EXIT');
    await typeLine('again', 'echo again-$((40+2))');
    await expect.poll(() => screen('again'), { timeout: 20_000 }).toContain('again-42');
    await typeLine('again', 'exit 3');
    await expect.poll(() => screen('again'), { timeout: 20_000 }).toContain('ATTACH_EXIT=3');
    expect(await state('tty1')).toMatchObject({ Status: 'exited', Running: false, ExitCode: 3 });
  });

  it('docker start -ai feeds the tty and returns the exit code', async () => {
    expect((await docker(['create', '-it', '--name', 'ci', 'busybox:local', 'sh', '-c', 'read x; echo "got $x"; exit 2'])).code).toBe(0);
    await session('start', 'start -ai ci', 'START_EXIT');
    await expect.poll(async () => (await state('ci')).Running, { timeout: 20_000 }).toBe(true);
    await typeLine('start', 'hello');
    await expect.poll(() => screen('start'), { timeout: 20_000 }).toMatch(/got hello\n(.*\n)*START_EXIT=2/);
  });

  it('the server ends a tty stdin attach at the detach keys (default and --detach-keys) and the container keeps running', async () => {
    expect((await docker(['run', '-d', '-i', '-t', '--name', 'lines', 'busybox:local', 'sh', '-c', 'while read l; do echo "line:$l"; done'])).code).toBe(0);
    const first = await rawAttach(daemon.socket, '/v1.41/containers/lines/attach?stream=1&stdin=1&stdout=1&stderr=1', [
      { afterMs: 300, bytes: 'one\n' },
      { afterMs: 1000, bytes: '\x10\x11never\n' },
    ], 10_000);
    expect(first.serverClosed).toBe(true);
    // A tty's stream is raw: the terminal echoes the input, and the program's line follows.
    expect(first.output.toString('latin1')).toContain('line:one\r\n');
    expect(first.output.toString('latin1')).not.toContain('never');
    const second = await rawAttach(daemon.socket, '/v1.41/containers/lines/attach?stream=1&stdin=1&stdout=1&stderr=1&detachKeys=ctrl-a,x', [
      { afterMs: 300, bytes: 'two\n' },
      { afterMs: 1000, bytes: '\x01x' },
    ], 10_000);
    expect(second.serverClosed).toBe(true);
    expect(second.output.toString('latin1')).toContain('line:two\r\n');
    expect(await state('lines')).toMatchObject({ Running: true });
  });

  it('without a tty the detach keys are input like any other (as dockerd): they reach the process and the attach stays', async () => {
    expect((await docker(['run', '-d', '-i', '--name', 'plain', 'busybox:local', 'sh', '-c', 'while read l; do echo "line:$l"; done'])).code).toBe(0);
    const attached = await rawAttach(daemon.socket, '/v1.41/containers/plain/attach?stream=1&stdin=1&stdout=1&stderr=1', [
      { afterMs: 300, bytes: 'one\n' },
      { afterMs: 600, bytes: '\x10\x11two\n' },
    ], 3_000);
    expect(attached.serverClosed).toBe(false);
    expect(stdoutOf(attached.output)).toBe('line:one\nline:\x10\x11two\n');
    expect(await state('plain')).toMatchObject({ Running: true });
    expect((await docker(['logs', 'plain'])).stdout).toBe('line:one\nline:\x10\x11two\n');
  });

  it('exec: exit code, separate streams, -u, -w, -e, -i, -d and --privileged', async () => {
    expect((await docker(['run', '-d', '--name', 'web', 'busybox:local', 'sleep', '600'])).code).toBe(0);
    const r = await docker(['exec', 'web', 'sh', '-c', 'echo out; echo err >&2; exit 5']);
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 5, stdout: 'out\n', stderr: 'err\n' });

    const who = await docker(['exec', '-u', '65534:65534', '-w', '/etc', '-e', 'FOO=bar', '-e', 'PATH=/bin', 'web', 'sh', '-c', 'id -u; id -g; pwd; echo $FOO $PATH']);
    expect(who.stdout).toBe('65534\n65534\n/etc\nbar /bin\n');

    expect((await docker(['exec', '-i', 'web', 'cat'], 'piped\n')).stdout).toBe('piped\n');

    const detached = await docker(['exec', '-d', 'web', 'sh', '-c', 'echo made > /marker']);
    expect({ code: detached.code, stdout: detached.stdout }).toEqual({ code: 0, stdout: '' });
    await expect.poll(async () => (await docker(['exec', 'web', 'cat', '/marker'])).stdout, { timeout: 20_000 }).toBe('made\n');

    const capEff = async (args: string[]) => /^CapEff:\s*([0-9a-f]+)$/m.exec((await docker(['exec', ...args, 'web', 'cat', '/proc/self/status'])).stdout)?.[1];
    const hostBounding = /^CapBnd:\s*([0-9a-f]+)$/m.exec(await readFile('/proc/self/status', 'utf8'))?.[1];
    expect(await capEff(['--privileged'])).toBe(hostBounding);
    expect(await capEff([])).toBe('00000000a80425fb');
  });

  it('exec -it gives a sized tty and its exit code; exec inspect reports it', async () => {
    expect((await docker(['run', '-d', '--name', 'box', 'busybox:local', 'sleep', '600'])).code).toBe(0);
    await session('exec', 'exec -it box sh', 'EXEC_EXIT');
    await expect.poll(() => screen('exec'), { timeout: 20_000 }).toMatch(/^\/ #/m);
    await typeLine('exec', 'tty; stty size');
    await expect.poll(() => screen('exec'), { timeout: 20_000 }).toMatch(/\/dev\/pts\/\d+\n30 100\n/);
    await typeLine('exec', 'exit 4');
    await expect.poll(() => screen('exec'), { timeout: 20_000 }).toContain('EXEC_EXIT=4');
    expect(await state('box')).toMatchObject({ Running: true });

    const created = await socketRequest(daemon.socket, 'POST', '/v1.41/containers/box/exec', {
      contentType: 'application/json',
      body: JSON.stringify({ AttachStdout: true, AttachStderr: true, Cmd: ['sh', '-c', 'exit 9'], User: '0' }),
    });
    expect(created.status).toBe(201);
    const execId = (created.json as { Id: string }).Id;
    const before = await socketRequest(daemon.socket, 'GET', `/v1.41/exec/${execId}/json`);
    expect(before.json).toMatchObject({ ID: execId, Running: false, ExitCode: null, Pid: 0 });
    // dockerd lists a container's unfinished exec instances in its inspect, and drops them once they end.
    const execIds = async () => JSON.parse((await docker(['inspect', '-f', '{{json .ExecIDs}}', 'box'])).stdout) as string[] | null;
    expect(await execIds()).toEqual([execId]);
    const started = await socketRequest(daemon.socket, 'POST', `/v1.41/exec/${execId}/start`, { contentType: 'application/json', body: '{"Detach":false,"Tty":false}' });
    expect(started.status).toBe(200);
    const after = (await socketRequest(daemon.socket, 'GET', `/v1.41/exec/${execId}/json`)).json as Record<string, unknown>;
    expect(after).toMatchObject({
      Running: false,
      ExitCode: 9,
      ProcessConfig: { tty: false, entrypoint: 'sh', arguments: ['-c', 'exit 9'], privileged: false, user: '0' },
      OpenStdin: false,
      OpenStdout: true,
      OpenStderr: true,
      ContainerID: (await docker(['inspect', '-f', '{{.Id}}', 'box'])).stdout.trim(),
    });
    expect(after.Pid).toBeGreaterThan(0);
    expect(await execIds()).toBeNull();
    const again = await socketRequest(daemon.socket, 'POST', `/v1.41/exec/${execId}/start`, { contentType: 'application/json', body: '{"Detach":true}' });
    expect({ status: again.status, json: again.json }).toEqual({ status: 409, json: { message: `Error: Exec command ${execId} has already run` } });
  });

  it('exec refusals: missing command (127), paused, stopped, unknown exec instance', async () => {
    const id = (await docker(['run', '-d', '--name', 'halt', 'busybox:local', 'sleep', '600'])).stdout.trim();
    const nosuch = await docker(['exec', 'halt', 'nosuch']);
    expect(nosuch.code).toBe(127);
    expect(nosuch.stdout).toBe('OCI runtime exec failed: exec failed: unable to start container process: exec: "nosuch": executable file not found in $PATH: unknown\r\n');

    expect((await docker(['pause', 'halt'])).code).toBe(0);
    const paused = await docker(['exec', 'halt', 'true']);
    expect({ code: paused.code, stderr: paused.stderr }).toEqual({ code: 1, stderr: `Error response from daemon: Container ${id} is paused, unpause the container before exec\n` });
    expect((await docker(['unpause', 'halt'])).code).toBe(0);
    expect((await docker(['kill', 'halt'])).code).toBe(0);
    const stopped = await docker(['exec', 'halt', 'true']);
    expect({ code: stopped.code, stderr: stopped.stderr }).toEqual({ code: 1, stderr: `Error response from daemon: Container ${id} is not running\n` });

    const unknown = 'f'.repeat(64);
    for (const [method, path] of [['GET', `/v1.41/exec/${unknown}/json`], ['POST', `/v1.41/exec/${unknown}/resize?h=10&w=10`], ['POST', `/v1.41/exec/${unknown}/start`]] as const) {
      const r = await socketRequest(daemon.socket, method, path, method === 'POST' ? { contentType: 'application/json', body: '{"Detach":true}' } : {});
      expect({ path, status: r.status, json: r.json }).toEqual({ path, status: 404, json: { message: `No such exec instance: ${unknown}` } });
    }
  });
});
