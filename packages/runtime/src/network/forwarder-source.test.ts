import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { createRequire } from 'node:module';
import net from 'node:net';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORWARDER_SOURCE } from './forwarder-source.js';

// The forwarder's program run as the engine runs it, minus nsenter: it forwards loopback ports to
// upstreams on loopback, so the relays themselves (buffers, backpressure, half-close, the UDP flow
// table) are what is tested. TCP runs three times: through one epoll + splice worker (the default
// on 2 CPUs), through two, and through the stream fallback used where koffi cannot load.

const koffi = dirname(createRequire(import.meta.url).resolve('koffi/package.json'));
// Body 0 outgrows the kernel's socket buffers of a stalled reader, so the forwarder has writes pending.
const BODIES = [randomBytes(24 << 20), ...Array.from({ length: 5 }, () => randomBytes(2 << 20))];
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Upstream: `GET n` sends body n and closes; anything else is echoed back, prefixed, after the client half-closes. */
function startUpstream(): Promise<net.Server> {
  const upstream = net.createServer({ allowHalfOpen: true }, (c) => {
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
  return new Promise((resolve) => upstream.listen(0, '127.0.0.1', () => resolve(upstream)));
}

/** The forwarder as a child with its IPC channel, plus what it wrote on stderr. */
class Forwarder {
  readonly child: ChildProcess;
  stderr = '';
  constructor(args: string[]) {
    this.child = spawn(process.execPath, ['-e', FORWARDER_SOURCE, ...args], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    this.child.stderr!.on('data', (b: Buffer) => (this.stderr += b.toString()));
  }

  message(op: string, key?: string): Promise<void> {
    return new Promise((resolve) => {
      const on = (m: { op: string; key?: string }) => {
        if (m.op !== op || (key !== undefined && m.key !== key)) return;
        this.child.off('message', on);
        resolve();
      };
      this.child.on('message', on);
    });
  }

  /** Binds a loopback port here, hands it over as the engine does, closes this copy; returns the port. */
  async serveTcp(key: string, target: number): Promise<number> {
    const server = net.createServer({ pauseOnConnect: true, allowHalfOpen: true });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const served = this.message('served', key);
    this.child.send({ op: 'serve', key, ip: '127.0.0.1', port: target }, server);
    await served;
    server.close();
    return port;
  }

  async serveUdp(key: string, target: number, idleMs: number): Promise<number> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const port = socket.address().port;
    const served = this.message('served', key);
    this.child.send({ op: 'serve', proto: 'udp', key, ip: '127.0.0.1', port: target, idleMs }, socket);
    await served;
    socket.close();
    return port;
  }

  async unserve(key: string): Promise<void> {
    const done = this.message('unserved', key);
    this.child.send({ op: 'unserve', key });
    await done;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}

/**
 * A loopback listener with backlog 0 that nobody accepts from, its queue filled by one connection:
 * the kernel drops further SYNs until `acceptAfterFiller` makes room, so a connect to it stays in
 * progress (the client retransmits its SYN after about a second).
 */
function listenWithFullQueue(): { port: number; acceptAfterFiller(): Promise<net.Socket>; close(): void } {
  const libc = createRequire(import.meta.url)('koffi').load('libc.so.6');
  const socket = libc.func('int socket(int, int, int)');
  const bind = libc.func('int bind(int, void *, uint32_t)');
  const listen = libc.func('int listen(int, int)');
  const getsockname = libc.func('int getsockname(int, void *, void *)');
  const accept4 = libc.func('int accept4(int, void *, void *, int)');
  const close = libc.func('int close(int)');
  const SOCK_STREAM = 1, SOCK_NONBLOCK = 0o4000, SOCK_CLOEXEC = 0o2000000;
  const fd: number = socket(2, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  const address = Buffer.alloc(16);
  address.writeUInt16LE(2, 0);
  address.set([127, 0, 0, 1], 4);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(16);
  if (fd < 0 || bind(fd, address, 16) !== 0 || listen(fd, 0) !== 0 || getsockname(fd, address, length) !== 0) throw new Error('cannot make the listener');
  const port = address.readUInt16BE(2);
  const filler = net.connect({ host: '127.0.0.1', port });
  filler.on('error', () => undefined);
  return {
    port,
    async acceptAfterFiller() {
      const first = accept4(fd, null, null, SOCK_CLOEXEC);
      if (first < 0) throw new Error('the filler connection was not queued');
      close(first);
      for (;;) {
        const next: number = accept4(fd, null, null, SOCK_CLOEXEC);
        if (next >= 0) return new net.Socket({ fd: next, allowHalfOpen: true, readable: true, writable: true });
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close() {
      filler.destroy();
      close(fd);
    },
  };
}

/** Sends `request` through the forwarded port, half-closes when told, and reads (slowly when told) to the end. */
function exchange(port: number, request: string, options: { halfClose?: boolean; slow?: boolean; stall?: number } = {}): Promise<Buffer> {
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

describe.each([
  ['the epoll + splice worker', [koffi]],
  // Two workers share each listener (EPOLLEXCLUSIVE) and own the connections they accept.
  ['two epoll + splice workers', [koffi, '2']],
  ['Node streams (no koffi)', []],
])('the port forwarder program, TCP through %s', (_name, args) => {
  let forwarder: Forwarder;
  let upstream: net.Server;
  let port: number;

  beforeAll(async () => {
    upstream = await startUpstream();
    forwarder = new Forwarder(args);
    await forwarder.message('ready');
    port = await forwarder.serveTcp('k', (upstream.address() as net.AddressInfo).port);
  });

  afterAll(async () => {
    await forwarder?.stop();
    await new Promise((resolve) => upstream?.close(resolve));
  });

  it('passes a half-close through and the answer sent after it back', async () => {
    expect((await exchange(port, 'hello', { halfClose: true })).toString()).toBe('echo:hello');
    // The worker path really ran: the program says on stderr when it falls back to streams.
    expect(forwarder.stderr).toBe('');
  });

  it('relays megabytes byte for byte to a reader that stalls, then reads slowly', async () => {
    expect(sha(await exchange(port, 'GET 0\n', { stall: 500, slow: true }))).toBe(sha(BODIES[0]!));
  });

  it('keeps concurrent connections apart while their buffers and pipes are reused', async () => {
    for (let round = 0; round < 2; round++) {
      const got = await Promise.all(BODIES.map((_, i) => exchange(port, `GET ${i}\n`, { slow: i % 2 === 0 })));
      expect(got.map(sha)).toEqual(BODIES.map(sha));
    }
  });

  it('relays a connection the engine accepted itself and handed over one by one (before a port is served)', async () => {
    const engineSide = net.createServer({ pauseOnConnect: true, allowHalfOpen: true });
    await new Promise<void>((r) => engineSide.listen(0, '127.0.0.1', r));
    engineSide.on('connection', (socket) => {
      forwarder.child.send({ op: 'conn', ip: '127.0.0.1', port: (upstream.address() as net.AddressInfo).port }, socket);
    });
    try {
      const early = (engineSide.address() as net.AddressInfo).port;
      expect((await exchange(early, 'early', { halfClose: true })).toString()).toBe('echo:early');
      expect(sha(await exchange(early, 'GET 1\n'))).toBe(sha(BODIES[1]!));
    } finally {
      await new Promise((r) => engineSide.close(r));
    }
  });

  it('waits for an upstream whose handshake is still under way (its full accept queue drops the first SYN), then relays', async () => {
    const upstreamQueue = listenWithFullQueue();
    try {
      const slow = await forwarder.serveTcp('slow', upstreamQueue.port);
      let settled = false;
      const answer = exchange(slow, 'late', { halfClose: true }).finally(() => (settled = true));
      await new Promise((r) => setTimeout(r, 300));
      // Nothing could answer yet: the forwarder's connect waits for a retransmitted SYN.
      expect(settled).toBe(false);
      const connection = await upstreamQueue.acceptAfterFiller();
      let got = '';
      connection.on('data', (d: Buffer) => (got += d.toString()));
      connection.on('end', () => connection.end(`echo:${got}`));
      expect((await answer).toString()).toBe('echo:late');
      await forwarder.unserve('slow');
    } finally {
      upstreamQueue.close();
    }
  });

  it('closes the client when nothing listens on the target, and stops accepting once unserved', async () => {
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const deadTarget = (closed.address() as net.AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const dead = await forwarder.serveTcp('dead', deadTarget);
    const got = await exchange(dead, 'hello', { halfClose: true }).then((b) => b.toString(), (e: NodeJS.ErrnoException) => e.code);
    expect(['', 'ECONNRESET']).toContain(got);
    await forwarder.unserve('dead');
    await expect(exchange(dead, 'x')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    // The other port is untouched.
    expect((await exchange(port, 'still', { halfClose: true })).toString()).toBe('echo:still');
  });

  it('exits when the engine goes away (its IPC channel closes), and the ports it served close with it', async () => {
    const exited = new Promise((resolve) => forwarder.child.once('exit', (code) => resolve(code)));
    forwarder.child.disconnect();
    // Workers blocked in epoll_wait are woken first; otherwise process.exit waits for them forever.
    expect(await exited).toBe(0);
    await expect(exchange(port, 'x')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});

describe('the port forwarder program, UDP', () => {
  let forwarder: Forwarder;
  let echo: dgram.Socket;
  /** Source port of each datagram the echo server got: the forwarder's flow for that client. */
  const seen: number[] = [];

  beforeAll(async () => {
    echo = dgram.createSocket('udp4');
    echo.on('message', (msg, from) => {
      seen.push(from.port);
      echo.send(Buffer.concat([Buffer.from('echo:'), msg]), from.port, from.address);
    });
    await new Promise<void>((r) => echo.bind(0, '127.0.0.1', r));
    forwarder = new Forwarder([koffi]);
    await forwarder.message('ready');
  });

  afterAll(async () => {
    await forwarder?.stop();
    echo?.close();
  });

  /** A client socket on loopback; `ask` sends one datagram to `port` and waits for one answer. */
  async function client(): Promise<{ ask: (port: number, text: string) => Promise<string>; close: () => void }> {
    const s = dgram.createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
    return {
      ask: (port, text) =>
        new Promise((resolve) => {
          s.once('message', (m) => resolve(m.toString()));
          s.send(text, port, '127.0.0.1');
        }),
      close: () => s.close(),
    };
  }

  it('relays datagrams both ways with one flow per client address, a new one after the idle timeout', async () => {
    const port = await forwarder.serveUdp('u', echo.address().port, 300);
    const [a, b] = [await client(), await client()];
    expect(await a.ask(port, 'a1')).toBe('echo:a1');
    expect(await a.ask(port, 'a2')).toBe('echo:a2');
    expect(await b.ask(port, 'b1')).toBe('echo:b1');
    const [a1, a2, b1] = seen.splice(0);
    // Same client, same flow (one upstream socket); another client, another flow.
    expect(a2).toBe(a1);
    expect(b1).not.toBe(a1);
    // 64 KiB less headers: the largest datagram passes whole.
    const big = 'x'.repeat(65_507 - 5);
    expect((await a.ask(port, big)).length).toBe(65_507);
    seen.splice(0);
    // Past the idle timeout the flow is gone: the next datagram opens a new one.
    await new Promise((r) => setTimeout(r, 600));
    expect(await a.ask(port, 'a3')).toBe('echo:a3');
    expect(seen.splice(0)[0]).not.toBe(a1);
    await forwarder.unserve('u');
    // Unserved: the port is free to bind again.
    const again = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      again.once('error', reject);
      again.bind(port, '127.0.0.1', resolve);
    });
    again.close();
    a.close();
    b.close();
  });
});
