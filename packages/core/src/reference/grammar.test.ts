// Tables ported from github.com/distribution/reference regexp_test.go.
import { describe, expect, it } from 'vitest';
import { anchoredDomain, anchoredIdentifier, matchName, matchReference } from './grammar.js';
import { parseNormalizedNamed } from './normalize.js';
import { parseReference } from './parse.js';

const DIGEST = 'sha256:be178c0543eb17f5f3043021c9e5fcf30285e557a4fc309cce97ff9ca6182912';

describe('domain grammar (TestDomainRegexp)', () => {
  const cases: [string, boolean][] = [
    ['test.com', true],
    ['test.com:10304', true],
    ['test.com:http', false],
    ['localhost', true],
    ['localhost:8080', true],
    ['a', true],
    ['a.b', true],
    ['ab.cd.com', true],
    ['a-b.com', true],
    ['-ab.com', false],
    ['ab-.com', false],
    ['ab.c-om', true],
    ['ab.-com', false],
    ['ab.com-', false],
    ['0101.com', true],
    ['001a.com', true],
    ['b.gbc.io:443', true],
    ['b.gbc.io', true],
    ['xn--n3h.com', true],
    ['Asdf.com', true],
    ['192.168.1.1:75050', true],
    ['192.168.1.1:750050', true],
    ['[fd00:1:2::3]:75050', true],
    ['[fd00:1:2::3]75050', false],
    ['[fd00:1:2::3]::75050', false],
    ['[fd00:1:2::3%eth0]:75050', false],
    ['[fd00123123123]:75050', true],
    ['[2001:0db8:85a3:0000:0000:8a2e:0370:7334]:75050', true],
    ['[2001:0db8:85a3:0000:0000:8a2e:0370:7334]:750505', true],
    ['fd00:1:2::3:75050', false],
  ];
  it.each(cases)('%s -> %s', (input, match) => {
    expect(anchoredDomain.test(input)).toBe(match);
  });
});

describe('name grammar (TestFullNameRegexp)', () => {
  const cases: [string, [string, string] | false | true][] = [
    ['', false],
    ['short', ['', 'short']],
    ['simple/name', ['simple', 'name']],
    ['library/ubuntu', ['library', 'ubuntu']],
    ['docker/stevvooe/app', ['docker', 'stevvooe/app']],
    ['aa/aa/aa/aa/aa/aa/aa/aa/aa/bb/bb/bb/bb/bb/bb', ['aa', 'aa/aa/aa/aa/aa/aa/aa/aa/bb/bb/bb/bb/bb/bb']],
    ['aa/aa/bb/bb/bb', ['aa', 'aa/bb/bb/bb']],
    ['a/a/a/a', ['a', 'a/a/a']],
    ['a/a/a/a/', false],
    ['a//a/a', false],
    ['a', ['', 'a']],
    ['a/aa', ['a', 'aa']],
    ['a/aa/a', ['a', 'aa/a']],
    ['foo.com', ['', 'foo.com']],
    ['foo.com/', false],
    ['foo.com:8080/bar', ['foo.com:8080', 'bar']],
    ['foo.com:http/bar', false],
    ['foo.com/bar', ['foo.com', 'bar']],
    ['foo.com/bar/baz', ['foo.com', 'bar/baz']],
    ['localhost:8080/bar', ['localhost:8080', 'bar']],
    ['sub-dom1.foo.com/bar/baz/quux', ['sub-dom1.foo.com', 'bar/baz/quux']],
    ['blog.foo.com/bar/baz', ['blog.foo.com', 'bar/baz']],
    ['a^a', false],
    ['aa/asdf$$^/aa', false],
    ['asdf$$^/aa', false],
    ['aa-a/a', ['aa-a', 'a']],
    ['a/'.repeat(128) + 'a', ['a', 'a/'.repeat(127) + 'a']],
    ['a-/a/a/a', false],
    ['foo.com/a-/a/a', false],
    ['-foo/bar', false],
    ['foo/bar-', false],
    ['foo-/bar', false],
    ['foo/-bar', false],
    ['_foo/bar', false],
    ['foo_bar', ['', 'foo_bar']],
    ['foo_bar.com', ['', 'foo_bar.com']],
    ['foo_bar.com:8080', false],
    ['foo_bar.com:8080/app', false],
    ['foo.com/foo_bar', ['foo.com', 'foo_bar']],
    ['____/____', false],
    ['_docker/_docker', false],
    ['docker_/docker_', false],
    ['b.gcr.io/test.example.com/my-app', ['b.gcr.io', 'test.example.com/my-app']],
    ['xn--n3h.com/myimage', ['xn--n3h.com', 'myimage']],
    ['xn--7o8h.com/myimage', ['xn--7o8h.com', 'myimage']],
    ['example.com/xn--7o8h.com/myimage', ['example.com', 'xn--7o8h.com/myimage']],
    ['example.com/some_separator__underscore/myimage', ['example.com', 'some_separator__underscore/myimage']],
    ['example.com/__underscore/myimage', false],
    ['example.com/..dots/myimage', false],
    ['example.com/.dots/myimage', false],
    ['example.com/nodouble..dots/myimage', false],
    ['docker./docker', false],
    ['.docker/docker', false],
    ['docker-/docker', false],
    ['-docker/docker', false],
    ['do..cker/docker', false],
    ['do__cker:8080/docker', false],
    ['do__cker/docker', ['', 'do__cker/docker']],
    ['registry.io/foo/project--id.module--name.ver---sion--name', ['registry.io', 'foo/project--id.module--name.ver---sion--name']],
    ['Asdf.com/foo/bar', true],
    ['Foo/FarB', false],
  ];
  it.each(cases)('%s', (input, expected) => {
    const m = matchName(input);
    if (expected === false) expect(m).toBeUndefined();
    else if (expected === true) expect(m).toBeDefined();
    else expect(m).toEqual({ domain: expected[0], path: expected[1] });
  });
});

describe('reference grammar (TestReferenceRegexp)', () => {
  const cases: [string, [string, string, string] | false][] = [
    ['registry.com:8080/myapp:tag', ['registry.com:8080/myapp', 'tag', '']],
    [`registry.com:8080/myapp@${DIGEST}`, ['registry.com:8080/myapp', '', DIGEST]],
    [`registry.com:8080/myapp:tag2@${DIGEST}`, ['registry.com:8080/myapp', 'tag2', DIGEST]],
    ['registry.com:8080/myapp@sha256:badbadbadbad', false],
    ['registry.com:8080/myapp:invalid~tag', false],
    ['bad_hostname.com:8080/myapp:tag', false],
    // localhost is the name and 8080 the tag here
    [`localhost:8080@${DIGEST}`, ['localhost', '8080', DIGEST]],
    [`localhost:8080/name@${DIGEST}`, ['localhost:8080/name', '', DIGEST]],
    [`localhost:http/name@${DIGEST}`, false],
    [`localhost@${DIGEST}`, ['localhost', '', DIGEST]],
    ['registry.com:8080/myapp@bad', false],
    ['registry.com:8080/myapp@2bad', false],
  ];
  it.each(cases)('%s', (input, expected) => {
    const m = matchReference(input);
    if (expected === false) expect(m).toBeUndefined();
    else expect(m).toEqual({ name: expected[0], tag: expected[1], digest: expected[2] });
  });

  it('takes a tag of exactly 128 characters and no longer', () => {
    expect(matchReference(`foo:${'a'.repeat(128)}`)?.tag).toBe('a'.repeat(128));
    expect(matchReference(`foo:${'a'.repeat(129)}`)).toBeUndefined();
    expect(matchReference('foo:.tag')).toBeUndefined();
    expect(matchReference('foo:_tag.-x')?.tag).toBe('_tag.-x');
  });
});

describe('identifier grammar (TestIdentifierRegexp)', () => {
  const cases: [string, boolean][] = [
    ['da304e823d8ca2b9d863a3c897baeb852ba21ea9a9f1414736394ae7fcaf9821', true],
    ['7EC43B381E5AEFE6E04EFB0B3F0693FF2A4A50652D64AEC573905F2DB5889A1C', false],
    ['da304e823d8ca2b9d863a3c897baeb852ba21ea9a9f1414736394ae7fcaf', false],
    ['sha256:da304e823d8ca2b9d863a3c897baeb852ba21ea9a9f1414736394ae7fcaf9821', false],
    ['da304e823d8ca2b9d863a3c897baeb852ba21ea9a9f1414736394ae7fcaf98218482', false],
  ];
  it.each(cases)('%s -> %s', (input, match) => {
    expect(anchoredIdentifier.test(input)).toBe(match);
  });
});

describe('hostile input', () => {
  // Shapes that make backtracking regexps blow up; each is a few KB and must fail fast.
  const n = 4000;
  const hostile = [
    'a'.repeat(n) + '!',
    'a-'.repeat(n) + '!',
    'a_'.repeat(n) + '!',
    'a__'.repeat(n) + '_',
    'a.'.repeat(n) + '!/x',
    'a-a.'.repeat(n) + '-/x',
    '-'.repeat(n) + 'a',
    'a'.repeat(n) + '-/' + 'b'.repeat(n) + '-',
    'a/'.repeat(n) + '!',
    '[' + ':'.repeat(n) + '/x',
    '[' + 'a:'.repeat(n) + ']:' + '1'.repeat(n) + 'x/y',
    'x@' + 'a'.repeat(n) + ':' + 'f'.repeat(n) + 'g',
    'x@' + 'a.'.repeat(n) + ':' + 'f'.repeat(40),
    'x:' + 'w'.repeat(n),
    ':'.repeat(n),
    'A'.repeat(n) + '!',
  ];
  it.each(hostile.map((s, i) => [i, s] as const))('case %i parses in linear time', (_i, s) => {
    const started = performance.now();
    expect(() => parseReference(s)).toThrow();
    expect(() => parseNormalizedNamed(s)).toThrow();
    expect(performance.now() - started).toBeLessThan(100);
  });
});
