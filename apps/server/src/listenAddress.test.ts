import { describe, expect, it } from 'vitest';
import { formatListenAddress, parseListenAddress } from './listenAddress.js';

describe('parseListenAddress', () => {
  it('takes unix sockets by absolute path', () => {
    expect(parseListenAddress('unix:///tmp/x/stratad.sock')).toEqual({ kind: 'unix', path: '/tmp/x/stratad.sock' });
    expect(() => parseListenAddress('unix://rel.sock')).toThrow(/absolute path/);
  });

  it('takes TCP on loopback only', () => {
    expect(parseListenAddress('tcp://127.0.0.1:2376')).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 2376 });
    expect(parseListenAddress('tcp://localhost')).toEqual({ kind: 'tcp', host: 'localhost', port: 2375 });
    expect(parseListenAddress('tcp://[::1]:9000')).toEqual({ kind: 'tcp', host: '::1', port: 9000 });
    for (const refused of ['tcp://0.0.0.0:2375', 'tcp://192.168.1.4:2375', 'tcp://[::]:2375', 'tcp://:2375', 'tcp://example.com:2375']) {
      expect(() => parseListenAddress(refused), refused).toThrow(/^refusing to listen on .*only on loopback/);
    }
  });

  it('rejects other schemes', () => {
    expect(() => parseListenAddress('fd://')).toThrow(/invalid host fd:\/\//);
  });

  it('formats back to DOCKER_HOST form', () => {
    expect(formatListenAddress({ kind: 'unix', path: '/a/b.sock' })).toBe('unix:///a/b.sock');
    expect(formatListenAddress({ kind: 'tcp', host: '::1', port: 1 })).toBe('tcp://[::1]:1');
  });
});
