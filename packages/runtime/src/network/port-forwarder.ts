import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { createRequire } from 'node:module';
import net from 'node:net';
import { dirname } from 'node:path';
import { FORWARDER_SOURCE } from './forwarder-source.js';

/** Where koffi lives, for the forwarder's TCP relay worker; undefined sends TCP through Node streams. */
function koffiPackage(): string | undefined {
  try {
    return dirname(createRequire(import.meta.url).resolve('koffi/package.json'));
  } catch {
    return undefined;
  }
}

/** Go's text for a failed bind, as docker-proxy reports it (`listen udp4 127.0.0.1:53: bind: ...`). */
function bindError(e: NodeJS.ErrnoException, protocol: 'tcp' | 'udp', hostIp: string, hostPort: number): Error {
  const family = `${protocol}${net.isIPv6(hostIp) ? '6' : '4'}`;
  const why = e.code === 'EADDRINUSE' ? 'address already in use' : e.code === 'EADDRNOTAVAIL' ? 'cannot assign requested address' : e.code === 'EACCES' ? 'permission denied' : e.message;
  return new Error(`Error starting userland proxy: listen ${family} ${hostIp}:${hostPort}: bind: ${why}`);
}

interface Published {
  server: net.Server;
  ip: string;
  port: number;
}

/**
 * The engine's side of the port forwarder: one `node -e` child started with `nsenter` in the
 * bridge namespace, to which each published port's listening socket is handed (then the engine
 * closes its copy). Connections the engine accepts before the hand-off go to the child one by one.
 */
export class PortForwarder {
  private child: ChildProcess | undefined;
  private starting: Promise<ChildProcess> | undefined;
  private readonly waiters = new Map<string, () => void>();

  constructor(
    private readonly namespacePath: string,
    private readonly log: (message: string) => void = () => undefined,
    /** Called when the forwarder dies on its own: every port it served is closed now. */
    private readonly onLost: () => void = () => undefined,
  ) {}

  /** PID of the running forwarder, if any. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  private spawnChild(): Promise<ChildProcess> {
    this.starting ??= new Promise<ChildProcess>((resolve, reject) => {
      const koffi = koffiPackage();
      const child = spawn('nsenter', [`--net=${this.namespacePath}`, process.execPath, '-e', FORWARDER_SOURCE, ...(koffi ? [koffi] : [])], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
      let stderr = '';
      child.stderr!.on('data', (b: Buffer) => (stderr = (stderr + b.toString('utf8')).slice(-2000)));
      const onMessage = (msg: { op: string; key?: string }) => {
        if (msg.op === 'ready') {
          this.child = child;
          resolve(child);
          return;
        }
        if (msg.key !== undefined) {
          const w = this.waiters.get(`${msg.op}:${msg.key}`);
          this.waiters.delete(`${msg.op}:${msg.key}`);
          w?.();
        }
      };
      child.on('message', onMessage);
      child.on('error', reject);
      child.on('exit', (code, signal) => {
        const lost = this.child === child;
        if (lost) this.log(`port forwarder ${child.pid} exited (${signal ?? code}): ${stderr.trim()}`);
        if (this.child === child || this.child === undefined) {
          this.child = undefined;
          this.starting = undefined;
        }
        if (lost) queueMicrotask(() => this.onLost());
        reject(new Error(`port forwarder exited before it was ready (${signal ?? code}): ${stderr.trim()}`));
        // Published ports died with it; their waiters would never be answered.
        for (const w of this.waiters.values()) w();
        this.waiters.clear();
      });
    });
    return this.starting;
  }

  private request(child: ChildProcess, op: string, key: string, payload: Record<string, unknown>, handle?: net.Server | dgram.Socket): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiters.set(`${op === 'serve' ? 'served' : 'unserved'}:${key}`, resolve);
      child.send({ op, key, ...payload }, handle as net.Server, (err) => {
        if (err) {
          this.waiters.delete(`${op === 'serve' ? 'served' : 'unserved'}:${key}`);
          reject(err);
        }
      });
    });
  }

  /**
   * Bind `hostIp:hostPort` (0 = any free port) in the engine's namespace and start forwarding it to
   * `ip:port` in the bridge namespace. Returns the bound port; bind errors come back as Go's dial
   * text (`listen tcp4 127.0.0.1:8080: bind: address already in use`).
   */
  async serve(key: string, hostIp: string, hostPort: number, ip: string, port: number, protocol: 'tcp' | 'udp' = 'tcp'): Promise<number> {
    const child = await this.spawnChild();
    if (protocol === 'udp') return this.serveUdp(child, key, hostIp, hostPort, ip, port);
    const server = net.createServer({ pauseOnConnect: true, allowHalfOpen: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) => reject(bindError(e, 'tcp', hostIp, hostPort)));
      server.listen({ host: hostIp, port: hostPort, exclusive: true }, resolve);
    });
    const bound = (server.address() as net.AddressInfo).port;
    // Until the child has the socket, connections the engine accepts are passed on one by one.
    server.on('connection', (socket) => {
      if (this.child) this.child.send({ op: 'conn', ip, port }, socket);
      else socket.destroy();
    });
    try {
      await this.request(child, 'serve', key, { ip, port }, server);
    } finally {
      server.close();
    }
    return bound;
  }

  /**
   * A UDP port: bound here, handed to the forwarder, then this copy closes (a datagram it happens
   * to read in between is lost, as UDP allows).
   */
  private async serveUdp(child: ChildProcess, key: string, hostIp: string, hostPort: number, ip: string, port: number): Promise<number> {
    const socket = dgram.createSocket(net.isIPv6(hostIp) ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', (e: NodeJS.ErrnoException) => reject(bindError(e, 'udp', hostIp, hostPort)));
      socket.bind({ address: hostIp, port: hostPort, exclusive: true }, resolve);
    });
    const bound = socket.address().port;
    try {
      await this.request(child, 'serve', key, { proto: 'udp', ip, port }, socket);
    } finally {
      socket.close();
    }
    return bound;
  }

  /** Stop forwarding `key`: the port refuses connections once this resolves. */
  async unserve(key: string): Promise<void> {
    const child = this.child;
    if (!child || !child.connected) return;
    await this.request(child, 'unserve', key, {}).catch(() => undefined);
  }

  /** Stop the forwarder (by its PID, through the handle we spawned). */
  close(): void {
    const child = this.child;
    this.child = undefined;
    this.starting = undefined;
    if (child && child.exitCode === null) {
      child.disconnect?.();
      child.kill('SIGTERM');
    }
  }
}
