import { TCP_RELAY_SOURCE } from './tcp-relay-source.js';
import { UDP_FLOW_IDLE_MS, UDP_RELAY_SOURCE } from './udp-relay-source.js';

/** The first line of the forwarder's program: how a restarted engine recognises leftovers in /proc/PID/cmdline. */
export const FORWARDER_MARKER = '// strata-port-forwarder';

/**
 * The port forwarder, run by `node -e` inside the bridge's namespace (network-recipes §2, c3):
 * the engine binds each published port in the host's namespace and hands the listening socket
 * over the IPC channel; this process serves it and reaches the container's address from inside
 * the bridge namespace, so bytes never cross the engine and nothing dials 172.17.x from the host.
 * Its first argument is the koffi package's path: TCP then goes to the epoll + splice worker
 * (tcp-relay-source.ts); without it (or where koffi cannot load) TCP falls back to Node streams.
 * UDP ports are served on the main thread by the flow table of udp-relay-source.ts.
 * Half-closes pass through; it exits when the engine goes away.
 */
export const FORWARDER_SOURCE = `${FORWARDER_MARKER}
'use strict';
const net = require('node:net');
${UDP_RELAY_SOURCE}
const udpPorts = new Map();
// One epoll thread per two CPUs (at most 4): measured on 2 CPUs with one request at a time, a
// second thread put a connection's wake-ups on a cold thread or an idle CPU (p50 605 vs 578 µs per
// request, mean 716 vs 681), and with 8 at a time one thread was not slower: a splice relay
// rarely fills a CPU, and the others are busy with the clients and the containers.
const TCP_WORKERS = Math.min(4, Math.max(1, Math.floor(require('node:os').availableParallelism() / 2)));

// The fallback TCP relay on Node streams. Measured (100 MB through busybox httpd): stream pipes
// cost 120-140 ms of CPU per transfer, the reused 1 MiB read buffer 65-70 ms.
const streamServers = new Map();
const BUFFER = 1 << 20;
const pool = [];
function relayStreams(client, ip, port) {
  client.allowHalfOpen = true;
  const buffer = pool.pop() || Buffer.allocUnsafe(BUFFER);
  // While a write still holds the shared buffer (the client is slower), reading waits for its drain.
  const upstream = net.connect({
    host: ip, port, allowHalfOpen: true,
    onread: {
      buffer,
      callback(n, buf) {
        client.write(buf.subarray(0, n));
        if (client.writableLength === 0) return true;
        client.once('drain', () => upstream.resume());
        return false;
      },
    },
  });
  upstream.setNoDelay(true);
  client.setNoDelay(true);
  const fail = () => { client.destroy(); upstream.destroy(); };
  client.on('error', fail);
  upstream.on('error', fail);
  upstream.on('end', () => client.end());
  // Back to the pool only once both sides are closed: a pending write to the client still reads it.
  let open = 2;
  const closed = () => { if (--open === 0 && pool.length < 16) pool.push(buffer); };
  upstream.once('close', closed);
  client.once('close', closed);
  client.pipe(upstream);
  client.resume();
}

/**
 * The epoll workers, or undefined when koffi is not there: then TCP takes the stream relay. Each
 * worker polls every listener (EPOLLEXCLUSIVE wakes one per connection) through its own duplicate
 * of the descriptor and owns the connections it accepts.
 */
function startTcpWorkers(koffiPath, count) {
  const { Worker, MessageChannel } = require('node:worker_threads');
  const koffi = require(koffiPath);
  const libc = koffi.load('libc.so.6');
  const pipe2 = libc.func('int pipe2(void *, int)');
  const write = libc.func('long write(int, void *, size_t)');
  const fcntl = libc.func('int fcntl(int, int, int)');
  const close = libc.func('int close(int)');
  const poke = Buffer.from([1]);
  const acks = new Map();
  const workers = [];
  for (let i = 0; i < count; i++) {
    const fds = Buffer.alloc(8);
    if (pipe2(fds, 0o4000 | 0o2000000) !== 0) throw new Error('pipe2 failed: errno ' + koffi.errno());
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(${JSON.stringify(TCP_RELAY_SOURCE)}, {
      eval: true,
      workerData: { koffi: koffiPath, wake: fds.readInt32LE(0), port: port2 },
      transferList: [port2],
    });
    // A serve or unserve is answered once every worker has done it.
    worker.on('message', (m) => {
      const id = m.op + ' ' + m.key;
      const left = (acks.get(id) || count) - 1;
      if (left > 0) return acks.set(id, left);
      acks.delete(id);
      process.send(m);
    });
    worker.on('error', (e) => {
      process.stderr.write('tcp relay failed: ' + (e && e.stack || e) + '\\n');
      quit(1);
    });
    const wake = fds.readInt32LE(4);
    workers.push((msg) => {
      port1.postMessage(msg);
      write(wake, poke, 1);
    });
  }
  let next = 0;
  return {
    /** Hands a listening socket to every worker (each its own descriptor); false if it cannot be duplicated. */
    serve(handle, msg) {
      const fds = workers.map(() => fcntl(handle._handle.fd, 1030 /* F_DUPFD_CLOEXEC */, 0));
      if (fds.some((fd) => fd < 0)) {
        for (const fd of fds) if (fd >= 0) close(fd);
        return false;
      }
      workers.forEach((tell, i) => tell({ op: 'serve', key: msg.key, fd: fds[i], ip: msg.ip, port: msg.port }));
      return true;
    },
    /** Hands one accepted connection to the next worker. */
    conn(handle, msg) {
      const fd = fcntl(handle._handle.fd, 1030, 0);
      if (fd < 0) return false;
      workers[next++ % workers.length]({ op: 'conn', fd, ip: msg.ip, port: msg.port });
      return true;
    },
    unserve(msg) {
      for (const tell of workers) tell(msg);
    },
    /** Wakes every worker out of epoll_wait to end its loop, so that process.exit can join it. */
    stop() {
      for (const tell of workers) tell({ op: 'quit' });
    },
  };
}
function quit(code) {
  if (tcp) tcp.stop();
  process.exit(code);
}
let tcp;
if (process.argv[1]) {
  try {
    tcp = startTcpWorkers(process.argv[1], Number(process.argv[2]) || TCP_WORKERS);
  } catch (e) {
    process.stderr.write('tcp relay unavailable, using streams: ' + e.message + '\\n');
  }
}

process.on('message', (msg, handle) => {
  if (msg.op === 'serve' && msg.proto === 'udp' && handle) {
    udpPorts.set(msg.key, relayUdp(handle, msg.ip, msg.port, msg.idleMs || ${UDP_FLOW_IDLE_MS}));
    process.send({ op: 'served', key: msg.key });
  } else if (msg.op === 'serve' && handle) {
    // The workers hold their own descriptors: this thread's copy closes.
    if (tcp && tcp.serve(handle, msg)) return handle.close();
    handle.allowHalfOpen = true;
    handle.on('connection', (c) => relayStreams(c, msg.ip, msg.port));
    handle.on('error', () => undefined);
    streamServers.set(msg.key, handle);
    process.send({ op: 'served', key: msg.key });
  } else if (msg.op === 'conn' && handle) {
    if (tcp && tcp.conn(handle, msg)) handle.destroy();
    else relayStreams(handle, msg.ip, msg.port);
  } else if (msg.op === 'unserve') {
    const closeUdp = udpPorts.get(msg.key);
    const streams = streamServers.get(msg.key);
    udpPorts.delete(msg.key);
    streamServers.delete(msg.key);
    if (closeUdp) closeUdp();
    if (streams) streams.close();
    if (tcp && !closeUdp && !streams) return tcp.unserve(msg);
    process.send({ op: 'unserved', key: msg.key });
  }
});
process.on('disconnect', () => quit(0));
process.send({ op: 'ready' });
`;
