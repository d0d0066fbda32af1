import { describe, expect, it } from 'vitest';
import { mountRequests, parseBind, parseMount } from './mount-spec.js';
import { checkVolumeName } from './volume-name.js';

describe('mount specs as dockerd reads them', () => {
  it('-v name:/path is a volume with Mode z, /host:/path:ro a read-only rprivate bind, /path an anonymous volume', () => {
    expect(parseBind('vol:/data')).toMatchObject({ type: 'volume', source: 'vol', destination: '/data', mode: 'z', readOnly: false, copyImageData: true });
    expect(parseBind('/tmp/cpdir:/mnt:ro')).toMatchObject({ type: 'bind', source: '/tmp/cpdir', destination: '/mnt', mode: 'ro', readOnly: true, propagation: 'rprivate', createHostPath: true });
    expect(parseBind('/anon/')).toMatchObject({ type: 'volume', source: '', destination: '/anon', mode: '' });
    expect(parseBind('vol:/data:nocopy').copyImageData).toBe(false);
  });

  it('rejects invalid volume names with Docker\'s words', () => {
    expect(() => checkVolumeName('bad name')).toThrow(
      'create bad name: "bad name" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path',
    );
    expect(() => checkVolumeName('a')).toThrow('create a: volume name is too short, names should be at least two alphanumeric characters');
    expect(() => parseBind('-x:/data')).toThrow(/includes invalid characters/);
    expect(() => parseBind('vol:data')).toThrow("invalid volume specification: 'vol:data': invalid mount config for type \"volume\": invalid mount path: 'data' mount path must be absolute");
    expect(() => parseBind('vol:/data:bogus')).toThrow('invalid mode: bogus');
  });

  it('--mount volume, bind and tmpfs entries, with their validation', () => {
    expect(parseMount({ Type: 'volume', Source: 'mvol', Target: '/m' })).toMatchObject({ type: 'volume', source: 'mvol', destination: '/m', mode: '' });
    expect(parseMount({ Type: 'bind', Source: '/srv', Target: '/s', ReadOnly: true })).toMatchObject({ type: 'bind', readOnly: true, createHostPath: false });
    expect(parseMount({ Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 1048576, Mode: 0o700 } }).tmpfsOptions).toEqual(['size=1024k', 'mode=700']);
    expect(() => parseMount({ Type: 'bind', Target: '/s' })).toThrow('invalid mount config for type "bind": field Source must not be empty');
    expect(() => parseMount({ Type: 'tmpfs', Source: 'x', Target: '/t' })).toThrow('invalid mount config for type "tmpfs": field Source must not be specified');
  });

  it('image VOLUMEs not covered by -v become anonymous volumes; a destination used twice is refused', () => {
    const plan = mountRequests({ Binds: ['vol:/data'], Tmpfs: { '/run': 'size=1m' } }, [{ '/data': {}, '/cache': {} }]);
    expect(plan.map((m) => [m.type, m.source, m.destination, m.listed])).toEqual([
      ['volume', 'vol', '/data', true],
      ['tmpfs', '', '/run', false],
      ['volume', '', '/cache', true],
    ]);
    expect(() => mountRequests({ Binds: ['a1:/d', '/h:/d'] }, [])).toThrow('Duplicate mount point: /d');
  });
});
