/** `/etc/hostname` as Docker writes it. */
export const hostnameFile = (hostname: string): string => `${hostname}\n`;

/**
 * `/etc/hosts` as Docker writes it (tab-separated): its six default lines, then, on the bridge,
 * the container's own address and hostname last (network-recipes §4.1).
 */
export const hostsFile = (own?: { ip: string; hostname: string }): string =>
  [
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'ff00::0\tip6-mcastprefix',
    'ff02::1\tip6-allnodes',
    'ff02::2\tip6-allrouters',
    ...(own ? [`${own.ip}\t${own.hostname}`] : []),
    '',
  ].join('\n');

/**
 * `/etc/resolv.conf`: the host's nameservers cannot be reached from the bridge or a loopback-only
 * namespace, and a silently dropped query costs 5-12 s; Docker's embedded-DNS text fails in ~6 ms
 * instead (network-recipes §4.2) and leaves room for a resolver later.
 */
export const resolvConfFile = (): string => 'nameserver 127.0.0.11\noptions ndots:0\n';
