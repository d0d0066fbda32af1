import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORWARDER_SOURCE } from './forwarder-source.js';

// The forwarder's program run as the engine runs it, minus nsenter: it forwards a loopback port to
// an upstream on loopback, so the relay itself (buffers, backpressure, half-close) is what is tested.

// Body 0 outgrows the kernel's socket buffers of a stalled reader, so the forwarder has writes pending.
const BODIES = [randomBytes(24 << 20), ...Array.from({ length: 5 }, () => randomBytes(2 << 20))];
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

let child: ChildProcess;
let upstream: net.Server;
let port: number;

/** Upstream: `GET n` sends body n and closes; anything else is echoed back, prefixed, after the client half-closes. */
function startUpstream(): Promise<number> {
  upstream = net.createServer({ allowHalfOpen: true }, (c) => {
    let got = '';
    c.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      const m = /^GET (\d+)\n$/.exec(got);
      if (m) c.end(BODIES[Number(m[1])]);
    });
    c.on('end', () => {
      if (!got.startsWith('GET ')) c.end(`echo:${got}`);
    });
  });
  return new Promise((resolve) => upstream.listen(0, '127.0.0.1', () => resolve((upstream.address() as net.AddressInfo).port)));
}

function message(op: string): Promise<void> {
  return new Promise((resolve) => {
    const on = (m: { op: string }) => {
      if (m.op !== op) return;
      child.off('message', on);
      resolve();
    };
    child.on('message', on);
  });
}

beforeAll(async () => {
  const target = await startUpstream();
  child = spawn(process.execPath, ['-e', FORWARDER_SOURCE], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  await message('ready');
  const server = net.createServer({ pauseOnConnect: true, allowHalfOpen: true });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
  const served = message('served');
  child.send({ op: 'serve', key: 'k', ip: '127.0.0.1', port: target }, server);
  await served;
  server.close();
});

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  await new Promise((resolve) => upstream?.close(resolve));
});

/** Sends `request` through the forwarded port, half-closes when told, and reads (slowly when told) to the end. */
function exchange(request: string, options: { halfClose?: boolean; slow?: boolean; stall?: number } = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const c = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    if (options.stall) {
      c.pause();
      setTimeout(() => c.resume(), options.stall);
    }
    const parts: Buffer[] = [];
    c.on('data', (d: Buffer) => {
      parts.push(d);
      if (options.slow) {
        // A slow reader: the forwarder must wait for its drain instead of reusing a buffer still being written.
        c.pause();
        setTimeout(() => c.resume(), 2);
      }
    });
    c.on('end', () => {
      c.end();
      resolve(Buffer.concat(parts));
    });
    c.on('error', reject);
    c.write(request);
    if (options.halfClose) c.end();
  });
}

describe('the port forwarder program', () => {
  it('passes a half-close through and the answer sent after it back', async () => {
    expect((await exchange('hello', { halfClose: true })).toString()).toBe('echo:hello');
  });

  it('relays megabytes byte for byte to a reader that stalls, then reads slowly', async () => {
    expect(sha(await exchange('GET 0\n', { stall: 500, slow: true }))).toBe(sha(BODIES[0]));
  });

  it('keeps concurrent connections apart while their read buffers are reused', async () => {
    for (let round = 0; round < 2; round++) {
      const got = await Promise.all(BODIES.map((_, i) => exchange(`GET ${i}\n`, { slow: i % 2 === 0 })));
      expect(got.map(sha)).toEqual(BODIES.map(sha));
    }
  });
});
