import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connect, type Socket } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImageEngine } from '@strata/core';
import { startDaemon, type Daemon } from './daemon.js';
import { dockerBinary, runDocker } from './dockerCli.js';
import { fakeImageEngine } from './fakeImageEngine.js';
import { scriptedContainers, type ScriptedContainers } from './testing/scriptedContainers.js';
import { capturedReads } from './testing/wireCapture.js';
import { capturedOutput } from './captureFixtures.js';

let dir: string;
let daemon: Daemon;
let engine: ScriptedContainers;
/** The object the daemon serves: the scripted engine's methods copied onto an image engine. */
let served: ImageEngine & ScriptedContainers;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-hijack-'));
  engine = scriptedContainers();
  served = Object.assign(fakeImageEngine({}), engine);
  daemon = await startDaemon({
    dataRoot: join(dir, 'root'),
    hosts: [`unix://${join(dir, 'd.sock')}`],
    engine: served,
    log: () => undefined,
  });
});

afterEach(async () => {
  await daemon?.close();
  await rm(dir, { recursive: true, force: true });
});

/** A raw client connection that records everything the server sends and when the server's FIN came. */
function rawClient(): Promise<{ socket: Socket; received: () => Buffer; ended: Promise<void>; until: (text: string) => Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ path: join(dir, 'd.sock'), allowHalfOpen: true });
    const parts: Buffer[] = [];
    const waiters: Array<() => void> = [];
    socket.on('data', (b: Buffer) => {
      parts.push(b);
      for (const w of waiters.splice(0)) w();
    });
    const ended = new Promise<void>((r) => socket.once('end', () => r()));
    const received = () => Buffer.concat(parts);
    const until = async (text: string) => {
      while (!received().includes(text)) await new Promise<void>((r) => waiters.push(r));
    };
    socket.once('connect', () => resolve({ socket, received, ended, until }));
    socket.once('error', reject);
  });
}

const request = (method: string, path: string, extra = '', body = '') =>
  `${method} ${path} HTTP/1.1\r\nHost: api.moby.localhost\r\nUser-Agent: Docker-Client/28.2.2 (linux)\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;

const attachRequest = (id: string) =>
  request('POST', `/v1.41/containers/${id}/attach?stderr=1&stdout=1&stream=1`, 'Connection: Upgrade\r\nContent-Type: text/plain\r\nUpgrade: tcp\r\n');

async function createWeb(cmd = ['echo', 'hello']): Promise<string> {
  const created = await engine.createContainer({ Image: 'busybox:local', Cmd: cmd, AttachStdout: true, AttachStderr: true });
  return created.Id;
}

describe('attach over the HTTP upgrade (§4.4)', () => {
  it('answers with dockerd\'s 101 bytes and frames, and keeps streaming after the client\'s FIN', async () => {
    const id = await createWeb();
    const client = await rawClient();
    client.socket.write(attachRequest(id));
    const [upgraded, frame] = capturedReads('run_rm', 8, 'S>C');
    await client.until('\r\n\r\n');
    expect(client.received()).toEqual(upgraded);
    // The CLI half-closes right after the 101 when it has no stdin: that must end nothing.
    client.socket.end();
    await new Promise((r) => setTimeout(r, 20));
    await engine.startContainer(id);
    engine.output(id, 'stdout', 'hello\n');
    await client.until('hello\n');
    expect(client.received().subarray(upgraded.length)).toEqual(frame);
    engine.exit(id, 0);
    await client.ended;
    expect(client.received()).toEqual(Buffer.concat([upgraded, frame]));
  });

  it('ends the stream when the process exits, with stderr as stream 2', async () => {
    const id = await createWeb();
    const client = await rawClient();
    client.socket.write(attachRequest(id));
    await client.until('\r\n\r\n');
    await engine.startContainer(id);
    engine.output(id, 'stdout', 'out\n');
    engine.output(id, 'stderr', 'err\n');
    engine.exit(id, 3);
    await client.ended;
    const body = client.received().subarray(client.received().indexOf('\r\n\r\n') + 4);
    expect(body).toEqual(Buffer.from('\x01\x00\x00\x00\x00\x00\x00\x04out\n\x02\x00\x00\x00\x00\x00\x00\x04err\n', 'latin1'));
  });

  it('a client that goes away only detaches: the container keeps running', async () => {
    const id = await createWeb(['sleep', '100']);
    await engine.startContainer(id);
    const client = await rawClient();
    client.socket.write(attachRequest(id));
    await client.until('\r\n\r\n');
    client.socket.destroy();
    await new Promise((r) => setTimeout(r, 20));
    expect(((await engine.inspectContainer(id)).State as { Running: boolean }).Running).toBe(true);
  });

  it('refuses an unknown container with a plain 404 before upgrading', async () => {
    const client = await rawClient();
    client.socket.write(attachRequest('nosuch'));
    await client.ended;
    const text = client.received().toString();
    expect(text.split('\r\n')[0]).toBe('HTTP/1.1 404 Not Found');
    expect(text).toContain('Content-Type: application/json\r\n');
    expect(text.endsWith('\r\n\r\n{"message":"No such container: nosuch"}\n')).toBe(true);
  });

  it('answers other upgrade requests (exec start until issue 5) with 404 page not found, and too new versions with 400', async () => {
    const exec = await rawClient();
    exec.socket.write(request('POST', '/v1.41/exec/abc/start', 'Connection: Upgrade\r\nContent-Type: application/json\r\nUpgrade: tcp\r\n', '{"Detach":false,"Tty":false}'));
    await exec.ended;
    expect(exec.received().toString()).toMatch(/^HTTP\/1\.1 404 Not Found\r\n[\s\S]*\{"message":"page not found"\}\n$/);
    const newer = await rawClient();
    newer.socket.write(attachRequest('x').replace('/v1.41/', '/v1.50/'));
    await newer.ended;
    expect(newer.received().toString()).toContain('{"message":"client version 1.50 is too new. Maximum supported API version is 1.41"}');
  });

  it('daemon close ends hijacked connections instead of hanging', async () => {
    const id = await createWeb(['sleep', '100']);
    await engine.startContainer(id);
    const client = await rawClient();
    client.socket.write(attachRequest(id));
    await client.until('\r\n\r\n');
    const closed = daemon.close();
    await Promise.race([closed, new Promise((_, fail) => setTimeout(() => fail(new Error('close hung')), 3000))]);
  });
});

describe('wait on a real socket (§4.5)', () => {
  it('flushes the headers at once and sends the body chunked when the process exits', async () => {
    const id = await createWeb(['sh', '-c', 'sleep 2; exit 3']);
    const client = await rawClient();
    client.socket.write(request('POST', `/v1.41/containers/${id}/wait?condition=next-exit`));
    await client.until('\r\n\r\n');
    const head = client.received().toString();
    expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(head.toLowerCase()).toContain('content-type: application/json\r\n');
    expect(head.toLowerCase()).toContain('transfer-encoding: chunked\r\n');
    await engine.startContainer(id);
    engine.exit(id, 3);
    await client.until('0\r\n\r\n');
    expect(client.received().toString().slice(head.length)).toBe('1e\r\n{"Error":null,"StatusCode":3}\n\r\n0\r\n\r\n');
    client.socket.destroy();
  });

  it('a client that drops the wait (run -d) cancels it in the engine', async () => {
    const id = await createWeb(['sleep', '100']);
    const signals: AbortSignal[] = [];
    const wait = served.waitContainer;
    served.waitContainer = (name, condition, signal) => {
      signals.push(signal!);
      return wait(name, condition, signal);
    };
    const client = await rawClient();
    client.socket.write(request('POST', `/v1.41/containers/${id}/wait?condition=next-exit`));
    await client.until('\r\n\r\n');
    expect(signals.map((s) => s.aborted)).toEqual([false]);
    client.socket.destroy();
    await new Promise((r) => setTimeout(r, 50));
    expect(signals.map((s) => s.aborted)).toEqual([true]);
  });
});

describe.skipIf(!dockerBinary)('the real docker CLI over the scripted engine', () => {
  const docker = (args: string[]) => runDocker(`unix://${join(dir, 'd.sock')}`, join(dir, 'cfg'), args, { timeoutMs: 15_000 });

  it('docker run --rm: create, attach (101 + half-close), wait, start, frames, exit code', async () => {
    engine.onStart = (id, cmd) => {
      setTimeout(() => {
        engine.output(id, 'stdout', `${cmd.slice(1).join(' ')}\n`);
        engine.output(id, 'stderr', 'to stderr\n');
        engine.exit(id, 0);
        void engine.removeContainer(id);
      }, 30);
    };
    const r = await docker(['run', '--rm', '--network', 'none', 'busybox:local', 'echo', 'hello']);
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: `${capturedOutput('run_rm').join('\n')}\n`, stderr: 'to stderr\n' });
  });

  it('docker run exits with the process\'s code; run -d prints the ID; run with no command exits 125', async () => {
    engine.onStart = (id, cmd) => {
      if (cmd[0] === 'sleep') return;
      setTimeout(() => engine.exit(id, 3), 30);
    };
    expect((await docker(['run', 'busybox:local', 'sh', '-c', 'exit 3'])).code).toBe(3);
    const d = await docker(['run', '-d', '--name', 'web', 'busybox:local', 'sleep', '100']);
    expect(d.code).toBe(0);
    expect(d.stdout).toMatch(/^[0-9a-f]{64}\n$/);
    const nocmd = await docker(['run', '--rm', 'busybox:local']);
    expect(nocmd.code).toBe(125);
    expect(nocmd.stderr).toContain(capturedOutput('run_nocmd_err')[0]);
    const start = await docker(['start', 'web']);
    expect([start.code, start.stdout]).toEqual([0, 'web\n']);
    const kill = await docker(['kill', 'web']);
    expect([kill.code, kill.stdout]).toEqual([0, 'web\n']);
    const again = await docker(['kill', 'web']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^Error response from daemon: Cannot kill container: web: Container [0-9a-f]{64} is not running\n$/);
  });
});
