import { describe, expect, it } from 'vitest';
import { parseDaemonFlags } from './daemonFlags.js';

describe('parseDaemonFlags', () => {
  it('takes dockerd\'s flag spellings', () => {
    expect(parseDaemonFlags(['--data-root', '/d', '-H', 'unix:///a.sock', '--host=tcp://127.0.0.1:1', '-Hunix:///b.sock', '--pidfile=/p', '-D'])).toEqual({
      dataRoot: '/d',
      hosts: ['unix:///a.sock', 'tcp://127.0.0.1:1', 'unix:///b.sock'],
      pidfile: '/p',
      debug: true,
      help: false,
      version: false,
    });
    expect(parseDaemonFlags(['-h']).help).toBe(true);
    expect(parseDaemonFlags(['--version']).version).toBe(true);
    expect(parseDaemonFlags([])).toEqual({ hosts: [], debug: false, help: false, version: false });
  });

  it('takes -b/--bridge none, dockerd\'s way to have no default bridge, and nothing else', () => {
    expect(parseDaemonFlags(['--bridge=none']).bridge).toBe('none');
    expect(parseDaemonFlags(['-b', 'none']).bridge).toBe('none');
    expect(parseDaemonFlags([]).bridge).toBeUndefined();
    expect(() => parseDaemonFlags(['--bridge', 'br0'])).toThrow('--bridge "br0": only "none" is supported');
  });

  it('refuses unknown flags, missing values and arguments', () => {
    expect(() => parseDaemonFlags(['--storage-driver', 'x'])).toThrow('unknown flag: --storage-driver');
    expect(() => parseDaemonFlags(['--data-root'])).toThrow('flag needs an argument: --data-root');
    expect(() => parseDaemonFlags(['serve'])).toThrow(/takes no arguments/);
  });
});
