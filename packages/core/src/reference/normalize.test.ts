// Tables ported from github.com/distribution/reference normalize_test.go and reference_test.go (TestParseNamed).
import { describe, expect, it } from 'vitest';
import { StrataError } from '../errors/index.js';
import { familiarName, familiarString } from './familiar.js';
import { parseAnyReference, parseDockerRef, parseNamed, parseNormalizedNamed, splitDockerDomain } from './normalize.js';
import { parseReference } from './parse.js';
import { isNameOnly, referenceName, referenceString } from './reference.js';

const HEX = 'dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c';

function thrown(fn: () => unknown): StrataError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(StrataError);
    return e as StrataError;
  }
  throw new Error('expected an error, got none');
}

describe('parseNormalizedNamed accepts and rejects (TestValidateReferenceName, TestValidateRemoteName)', () => {
  const valid = [
    'docker/docker',
    'library/debian',
    'debian',
    'localhost/library/debian',
    'localhost/debian',
    'LOCALDOMAIN/library/debian',
    'LOCALDOMAIN/debian',
    'docker.io/docker/docker',
    'docker.io/library/debian',
    'docker.io/debian',
    'index.docker.io/docker/docker',
    'index.docker.io/library/debian',
    'index.docker.io/debian',
    '127.0.0.1:5000/docker/docker',
    '127.0.0.1:5000/library/debian',
    '127.0.0.1:5000/debian',
    '192.168.0.1',
    '192.168.0.1:80',
    '192.168.0.1:8/debian',
    '192.168.0.2:25000/debian',
    'thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev',
    '[fc00::1]:5000/docker',
    '[fc00::1]:5000/docker/docker',
    '[fc00:1:2:3:4:5:6:7]:5000/library/debian',
    // with a hostname a 64-hex path is no longer ambiguous with an image ID
    'docker.io/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a',
    'Docker/docker',
    'DOCKER/docker',
    'docker-rules/docker',
    'docker---rules/docker',
    'doc/docker',
    'd/docker',
    'jess/t',
    'dock__er/docker',
  ];
  it.each(valid)('accepts %s', (name) => {
    expect(() => parseNormalizedNamed(name)).not.toThrow();
  });

  const invalidNames = [
    'https://github.com/docker/docker',
    'docker/Docker',
    '-docker',
    '-docker/docker',
    '-docker.io/docker/docker',
    'docker///docker',
    'docker.io/docker/Docker',
    'docker.io/docker///docker',
    '[fc00::1]',
    '[fc00::1]:5000',
    'fc00::1:5000/debian',
    '[fe80::1%eth0]:5000/debian',
    '[2001:db8:3:4::192.0.2.33]:5000/debian',
    '1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a',
    'docker-/docker',
    '-docker-/docker',
    '____/____',
    '_docker/_docker',
    'dock..er/docker',
    'dock_.er/docker',
    'dock-.er/docker',
    'docker/',
    `${'this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_'.repeat(4)}/docker`,
  ];
  it.each(invalidNames)('rejects %s', (name) => {
    expect(thrown(() => parseNormalizedNamed(name)).kind).toBe('invalid');
  });
});

describe('Docker error messages', () => {
  const cases: [string, string][] = [
    ['Foo', 'invalid reference format: repository name (library/Foo) must be lowercase'],
    ['docker/Docker', 'invalid reference format: repository name (docker/Docker) must be lowercase'],
    ['Uppercase:tag', 'invalid reference format: repository name (library/Uppercase) must be lowercase'],
    [HEX, `invalid repository name (${HEX}), cannot specify 64-byte hexadecimal strings`],
    ['', 'invalid reference format'],
    ['foo:bad~tag', 'invalid reference format'],
    ['-foo', 'invalid reference format'],
    [`example.com/${'a'.repeat(256)}`, 'repository name must not be more than 255 characters'],
  ];
  it.each(cases)('%s -> %s', (input, message) => {
    const e = thrown(() => parseNormalizedNamed(input));
    expect(e.kind).toBe('invalid');
    expect(e.message).toBe(message);
  });
});

describe('normalised and familiar names (TestParseRepositoryInfo)', () => {
  const cases: { remote: string; familiar: string; full: string; ambiguous: string; domain: string }[] = [
    { remote: 'fooo', familiar: 'localhost/fooo', full: 'localhost/fooo', ambiguous: 'localhost/fooo', domain: 'localhost' },
    { remote: 'fooo/bar', familiar: 'localhost/fooo/bar', full: 'localhost/fooo/bar', ambiguous: 'localhost/fooo/bar', domain: 'localhost' },
    { remote: 'fooo', familiar: 'LOCALDOMAIN/fooo', full: 'LOCALDOMAIN/fooo', ambiguous: 'LOCALDOMAIN/fooo', domain: 'LOCALDOMAIN' },
    { remote: 'fooo/bar', familiar: 'LOCALDOMAIN/fooo/bar', full: 'LOCALDOMAIN/fooo/bar', ambiguous: 'LOCALDOMAIN/fooo/bar', domain: 'LOCALDOMAIN' },
    { remote: 'fooo/bar', familiar: 'fooo/bar', full: 'docker.io/fooo/bar', ambiguous: 'index.docker.io/fooo/bar', domain: 'docker.io' },
    { remote: 'library/ubuntu', familiar: 'ubuntu', full: 'docker.io/library/ubuntu', ambiguous: 'library/ubuntu', domain: 'docker.io' },
    { remote: 'nonlibrary/ubuntu', familiar: 'nonlibrary/ubuntu', full: 'docker.io/nonlibrary/ubuntu', ambiguous: '', domain: 'docker.io' },
    { remote: 'other/library', familiar: 'other/library', full: 'docker.io/other/library', ambiguous: '', domain: 'docker.io' },
    { remote: 'private/moonbase', familiar: '127.0.0.1:8000/private/moonbase', full: '127.0.0.1:8000/private/moonbase', ambiguous: '', domain: '127.0.0.1:8000' },
    { remote: 'privatebase', familiar: '127.0.0.1:8000/privatebase', full: '127.0.0.1:8000/privatebase', ambiguous: '', domain: '127.0.0.1:8000' },
    { remote: 'private/moonbase', familiar: 'example.com/private/moonbase', full: 'example.com/private/moonbase', ambiguous: '', domain: 'example.com' },
    { remote: 'privatebase', familiar: 'example.com/privatebase', full: 'example.com/privatebase', ambiguous: '', domain: 'example.com' },
    { remote: 'private/moonbase', familiar: 'example.com:8000/private/moonbase', full: 'example.com:8000/private/moonbase', ambiguous: '', domain: 'example.com:8000' },
    { remote: 'privatebasee', familiar: 'example.com:8000/privatebasee', full: 'example.com:8000/privatebasee', ambiguous: '', domain: 'example.com:8000' },
    { remote: 'library/ubuntu-12.04-base', familiar: 'ubuntu-12.04-base', full: 'docker.io/library/ubuntu-12.04-base', ambiguous: 'index.docker.io/library/ubuntu-12.04-base', domain: 'docker.io' },
    { remote: 'library/foo', familiar: 'foo', full: 'docker.io/library/foo', ambiguous: 'docker.io/foo', domain: 'docker.io' },
    { remote: 'library/foo/bar', familiar: 'library/foo/bar', full: 'docker.io/library/foo/bar', ambiguous: '', domain: 'docker.io' },
    { remote: 'store/foo/bar', familiar: 'store/foo/bar', full: 'docker.io/store/foo/bar', ambiguous: '', domain: 'docker.io' },
    { remote: 'bar', familiar: 'Foo/bar', full: 'Foo/bar', ambiguous: '', domain: 'Foo' },
    { remote: 'bar', familiar: 'FOO/bar', full: 'FOO/bar', ambiguous: '', domain: 'FOO' },
  ];
  const rows = cases.flatMap((c) =>
    [c.familiar, c.full, c.ambiguous].filter((s) => s !== '').map((input) => [input, c] as const),
  );
  it.each(rows)('%s', (input, c) => {
    const r = parseNormalizedNamed(input);
    expect(familiarName(r)).toBe(c.familiar);
    expect(referenceString(r)).toBe(c.full);
    expect(r.domain).toBe(c.domain);
    expect(r.path).toBe(c.remote);
  });
});

describe('tag and digest together (TestParseReferenceWithTagAndDigest)', () => {
  it('keeps both, and the familiar string is the input', () => {
    const short = 'busybox:latest@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa';
    const r = parseNormalizedNamed(short);
    expect(referenceString(r)).toBe(`docker.io/library/${short}`);
    expect(r.tag).toBe('latest');
    expect(r.digest).toBe('sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa');
    expect(familiarString(r)).toBe(short);
  });
});

describe('parseAnyReference (TestParseAnyReference)', () => {
  const refs: [string, string][] = [
    ['redis', 'docker.io/library/redis'],
    ['redis:latest', 'docker.io/library/redis:latest'],
    ['docker.io/library/redis:latest', 'docker.io/library/redis:latest'],
    [`redis@sha256:${HEX}`, `docker.io/library/redis@sha256:${HEX}`],
    [`docker.io/library/redis@sha256:${HEX}`, `docker.io/library/redis@sha256:${HEX}`],
    ['dmcgowan/myapp', 'docker.io/dmcgowan/myapp'],
    ['dmcgowan/myapp:latest', 'docker.io/dmcgowan/myapp:latest'],
    ['docker.io/mcgowan/myapp:latest', 'docker.io/mcgowan/myapp:latest'],
    [`dmcgowan/myapp@sha256:${HEX}`, `docker.io/dmcgowan/myapp@sha256:${HEX}`],
    [`docker.io/dmcgowan/myapp@sha256:${HEX}`, `docker.io/dmcgowan/myapp@sha256:${HEX}`],
    // 63 hex characters and short prefixes are names; the caller resolves prefixes
    [HEX.slice(0, 63), `docker.io/library/${HEX.slice(0, 63)}`],
    ['dbcc1', 'docker.io/library/dbcc1'],
  ];
  it.each(refs)('%s is the reference %s', (input, equivalent) => {
    const any = parseAnyReference(input);
    expect(any).toEqual({ kind: 'reference', ref: parseReference(equivalent) });
  });

  it.each([HEX, `sha256:${HEX}`])('%s is an image ID', (input) => {
    expect(parseAnyReference(input)).toEqual({ kind: 'id', id: `sha256:${HEX}` });
  });

  it('reads a malformed digest as name:tag, as upstream does', () => {
    expect(parseAnyReference('sha256:abc')).toEqual({ kind: 'reference', ref: parseReference('docker.io/library/sha256:abc') });
  });
});

describe('splitting the domain (TestNormalizedSplitHostname)', () => {
  const cases: [string, string, string][] = [
    ['test.com/foo', 'test.com', 'foo'],
    ['test_com/foo', 'docker.io', 'test_com/foo'],
    ['docker/migrator', 'docker.io', 'docker/migrator'],
    ['test.com:8080/foo', 'test.com:8080', 'foo'],
    ['test-com:8080/foo', 'test-com:8080', 'foo'],
    ['foo', 'docker.io', 'library/foo'],
    ['xn--n3h.com/foo', 'xn--n3h.com', 'foo'],
    ['xn--n3h.com:18080/foo', 'xn--n3h.com:18080', 'foo'],
    ['docker.io/foo', 'docker.io', 'library/foo'],
    ['docker.io/library/foo', 'docker.io', 'library/foo'],
    ['docker.io/library/foo/bar', 'docker.io', 'library/foo/bar'],
  ];
  it.each(cases)('%s -> %s + %s', (input, domain, path) => {
    expect(parseNormalizedNamed(input)).toEqual({ domain, path });
    expect(splitDockerDomain(input)).toEqual({ domain, remoteName: path });
  });

  it('treats index.docker.io as Docker Hub and keeps localhost as a registry', () => {
    expect(splitDockerDomain('index.docker.io/busybox')).toEqual({ domain: 'docker.io', remoteName: 'library/busybox' });
    expect(splitDockerDomain('localhost/busybox')).toEqual({ domain: 'localhost', remoteName: 'busybox' });
    // a lone 'localhost' is still a Hub name (upstream FIXME)
    expect(splitDockerDomain('localhost')).toEqual({ domain: 'docker.io', remoteName: 'library/localhost' });
  });
});

describe('parseDockerRef (TestParseDockerRef)', () => {
  const d = 'sha256:e6693c20186f837fc393390135d8a598a96a833917917789d63766cab6c59582';
  const cases: [string, string, string][] = [
    ['nothing', 'busybox', 'docker.io/library/busybox:latest'],
    ['tag only', 'busybox:latest', 'docker.io/library/busybox:latest'],
    ['digest only', `busybox@${d}`, `docker.io/library/busybox@${d}`],
    ['path only', 'library/busybox', 'docker.io/library/busybox:latest'],
    ['hostname only', 'docker.io/busybox', 'docker.io/library/busybox:latest'],
    ['no tag', 'docker.io/library/busybox', 'docker.io/library/busybox:latest'],
    ['no path', 'docker.io/busybox:latest', 'docker.io/library/busybox:latest'],
    ['no hostname', 'library/busybox:latest', 'docker.io/library/busybox:latest'],
    ['full reference with tag', 'docker.io/library/busybox:latest', 'docker.io/library/busybox:latest'],
    ['gcr reference without tag', 'gcr.io/library/busybox', 'gcr.io/library/busybox:latest'],
    ['both tag and digest', `gcr.io/library/busybox:latest@${d}`, `gcr.io/library/busybox@${d}`],
  ];
  it.each(cases)('%s: %s', (_name, input, expected) => {
    const r = parseDockerRef(input);
    expect(referenceString(r)).toBe(expected);
    expect(parseReference(referenceString(r))).toEqual(r);
    expect(isNameOnly(r)).toBe(false);
  });
});

describe('parseNamed (TestParseNamed)', () => {
  const cases: [string, string | undefined, string | undefined][] = [
    ['test.com/foo', 'test.com', 'foo'],
    ['test:8080/foo', 'test:8080', 'foo'],
    ['test_com/foo', undefined, undefined],
    ['test.com', undefined, undefined],
    ['foo', undefined, undefined],
    ['library/foo', undefined, undefined],
    ['docker.io/library/foo', 'docker.io', 'library/foo'],
    // ambiguous: the parser adds library/
    ['docker.io/foo', undefined, undefined],
  ];
  it.each(cases)('%s', (input, domain, path) => {
    if (domain === undefined) {
      expect(thrown(() => parseNamed(input)).message).toBe('repository name must be canonical');
    } else {
      const r = parseNamed(input);
      expect([r.domain, r.path, referenceName(r)]).toEqual([domain, path, input]);
    }
  });
});
