/** The first line of the forwarder's program: how a restarted engine recognises leftovers in /proc/PID/cmdline. */
export const FORWARDER_MARKER = '// strata-port-forwarder';

/**
 * The port forwarder, run by `node -e` inside the bridge's namespace (network-recipes §2, c3):
 * the engine binds each published port in the host's namespace and hands the listening socket
 * over the IPC channel; this process accepts on it and connects to the container's address from
 * inside the bridge namespace, so bytes never cross the engine and nothing dials 172.17.x from
 * the host. Half-closes pass through (`allowHalfOpen`); it exits when the engine goes away.
 * Measured (100 MB through busybox httpd): stream pipes cost 120-140 ms of CPU per transfer, the
 * reused 1 MiB read buffer 65-70 ms (256 KiB: 80, 4 MiB: 75).
 */
export const FORWARDER_SOURCE = `${FORWARDER_MARKER}
'use strict';
const net = require('node:net');
const servers = new Map();
const BUFFER = 1 << 20;
// Buffers go back to a pool when their connection closes: a fresh 1 MiB per connection costs an
// mmap, and a thousand short connections' worth of external memory keeps the GC busy.
const pool = [];
function relay(client, ip, port) {
  client.allowHalfOpen = true;
  const buffer = pool.pop() || Buffer.allocUnsafe(BUFFER);
  // The container's answers (downloads) are read into one reused 1 MiB buffer, not a new Buffer per
  // 64 KiB read through a stream pipe: half the CPU per byte. While a write still holds the buffer
  // (the client is slower), reading waits for its drain.
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
process.on('message', (msg, handle) => {
  if (msg.op === 'serve' && handle) {
    handle.allowHalfOpen = true;
    handle.on('connection', (c) => relay(c, msg.ip, msg.port));
    handle.on('error', () => undefined);
    servers.set(msg.key, handle);
    process.send({ op: 'served', key: msg.key });
  } else if (msg.op === 'conn' && handle) {
    relay(handle, msg.ip, msg.port);
  } else if (msg.op === 'unserve') {
    const s = servers.get(msg.key);
    servers.delete(msg.key);
    if (s) s.close();
    process.send({ op: 'unserved', key: msg.key });
  }
});
process.on('disconnect', () => process.exit(0));
process.send({ op: 'ready' });
`;
