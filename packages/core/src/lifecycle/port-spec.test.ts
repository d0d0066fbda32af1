import { describe, expect, it } from 'vitest';
import { macOfAddress, nextBridgeAddress } from './bridge-address.js';
import { inspectPorts, portBindings, summaryPorts } from './port-spec.js';

describe('published ports and bridge addresses', () => {
  it('reads PortBindings as the CLI sends them (-p 127.0.0.1:8080:80, -p 90, -P)', () => {
    const hostConfig = { PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }], '90/tcp': [{ HostIp: '', HostPort: '' }] }, PublishAllPorts: true };
    const bindings = portBindings(hostConfig, { '80/tcp': {}, '7000/tcp': {} });
    expect(bindings).toEqual([
      { containerPort: 80, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 8080 },
      { containerPort: 90, protocol: 'tcp', hostIp: '', hostPort: 0 },
      { containerPort: 7000, protocol: 'tcp', hostIp: '', hostPort: 0 },
    ]);
    expect(() => portBindings({ PortBindings: { '99999/tcp': [] } }, {})).toThrow('invalid port specification: "99999"');
  });

  it('shows ports as inspect and ps do: exposed-only ports null / without a public port', () => {
    const bound = [{ containerPort: 80, protocol: 'tcp' as const, hostIp: '127.0.0.1', hostPort: 8080 }];
    expect(inspectPorts({ '80/tcp': {}, '7000/tcp': {} }, bound)).toEqual({ '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }], '7000/tcp': null });
    expect(summaryPorts({ '7000/tcp': {} }, bound)).toEqual([
      { IP: '127.0.0.1', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
      { PrivatePort: 7000, Type: 'tcp' },
    ]);
  });

  it('hands out the lowest free address from 172.17.0.2, with Docker\'s MAC', () => {
    expect(nextBridgeAddress(new Set())).toBe('172.17.0.2');
    expect(nextBridgeAddress(new Set(['172.17.0.2', '172.17.0.3']))).toBe('172.17.0.4');
    expect(nextBridgeAddress(new Set(['172.17.0.3']))).toBe('172.17.0.2');
    const full = new Set<string>();
    for (let i = 2; i < 256; i++) full.add(`172.17.0.${i}`);
    expect(nextBridgeAddress(full)).toBe('172.17.1.0');
    expect(macOfAddress('172.17.0.2')).toBe('02:42:ac:11:00:02');
    expect(macOfAddress('172.17.1.10')).toBe('02:42:ac:11:01:0a');
  });
});
