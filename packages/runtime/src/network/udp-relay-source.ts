/** How long a UDP flow lives after the container's last reply: docker-proxy's UDPConnTrackTimeout. */
export const UDP_FLOW_IDLE_MS = 90_000;

/**
 * The UDP half of the port forwarder, a function `relayUdp(frontend, ip, port, idleMs)` of the
 * forwarder's main thread, shaped as docker-proxy's UDP proxy: one upstream socket per client
 * address (the flow table), created in the bridge namespace on the client's first datagram, so the
 * container sees every client as a distinct 172.17.0.1 port and its replies find their way back.
 * A flow ends `idleMs` after the container's last reply (or after its creation when there was
 * none), as docker-proxy's read deadline does. Returns a function that closes the port and its flows.
 * Kept free of backticks and dollar-brace: it is embedded in a template literal.
 */
export const UDP_RELAY_SOURCE = String.raw`
const dgram = require('node:dgram');
function relayUdp(frontend, ip, port, idleMs) {
  const flows = new Map();
  frontend.on('message', (datagram, from) => {
    const key = from.address + ' ' + from.port;
    let flow = flows.get(key);
    if (!flow) {
      const upstream = dgram.createSocket('udp4');
      const expire = () => {
        flows.delete(key);
        upstream.close();
      };
      flow = { upstream, timer: setTimeout(expire, idleMs) };
      flows.set(key, flow);
      upstream.on('message', (reply, sender) => {
        // Only the container's port answers into this flow (docker-proxy's socket is connected to it).
        if (sender.port !== port || sender.address !== ip) return;
        flow.timer.refresh();
        frontend.send(reply, from.port, from.address);
      });
      // ICMP port unreachable (nothing listens yet) and the like: the flow stays until it idles out.
      upstream.on('error', () => undefined);
    }
    flow.upstream.send(datagram, port, ip);
  });
  frontend.on('error', () => undefined);
  return () => {
    for (const flow of flows.values()) {
      clearTimeout(flow.timer);
      flow.upstream.close();
    }
    flows.clear();
    frontend.close();
  };
}
`;
