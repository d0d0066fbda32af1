/** The first line of the forwarder's program: how a restarted engine recognises leftovers in /proc/PID/cmdline. */
export const FORWARDER_MARKER = '// strata-port-forwarder';

/**
 * The port forwarder, run by `node -e` inside the bridge's namespace (network-recipes §2, c3):
 * the engine binds each published port in the host's namespace and hands the listening socket
 * over the IPC channel; this process accepts on it and connects to the container's address from
 * inside the bridge namespace, so bytes never cross the engine and nothing dials 172.17.x from
 * the host. Half-closes pass through (`allowHalfOpen`); it exits when the engine goes away.
 */
export const FORWARDER_SOURCE = `${FORWARDER_MARKER}
'use strict';
const net = require('node:net');
const servers = new Map();
function relay(client, ip, port) {
  client.allowHalfOpen = true;
  const upstream = net.connect({ host: ip, port, allowHalfOpen: true });
  upstream.setNoDelay(true);
  client.setNoDelay(true);
  const fail = () => { client.destroy(); upstream.destroy(); };
  client.on('error', fail);
  upstream.on('error', fail);
  client.pipe(upstream);
  upstream.pipe(client);
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
