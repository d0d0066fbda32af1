// Tables ported from github.com/distribution/reference normalize_test.go (TestMatch, TestMatchError).
import { describe, expect, it } from 'vitest';
import { StrataError } from '../errors/index.js';
import { familiarMatch } from './match.js';
import { parseAnyReference, parseNormalizedNamed } from './normalize.js';
import type { Reference } from './reference.js';

function named(s: string): Reference {
  const any = parseAnyReference(s);
  if (any.kind !== 'reference') throw new Error(`${s} is not a reference`);
  return any.ref;
}

describe('familiarMatch (TestMatch)', () => {
  const cases: [string, string, boolean][] = [
    ['foo', 'foo/**/ba[rz]', false],
    ['foo/any/bat', 'foo/**/ba[rz]', false],
    ['foo/a/bar', 'foo/**/ba[rz]', true],
    ['foo/b/baz', 'foo/**/ba[rz]', true],
    ['foo/c/baz:tag', 'foo/**/ba[rz]', true],
    ['foo/c/baz:tag', 'foo/*/baz:tag', true],
    ['foo/c/baz:tag', 'foo/c/baz:tag', true],
    ['example.com/foo/c/baz:tag', '*/foo/c/baz', true],
    ['example.com/foo/c/baz:tag', 'example.com/foo/c/baz', true],
  ];
  it.each(cases)('%s ~ %s -> %s', (reference, pattern, expected) => {
    expect(familiarMatch(pattern, named(reference))).toBe(expected);
  });

  it('rejects a malformed pattern (TestMatchError)', () => {
    expect(() => familiarMatch('[-x]', named('foo'))).toThrow(StrataError);
    expect(() => familiarMatch('[-x]', named('foo'))).toThrow('syntax error in pattern');
  });

  it('matches `docker images busybox*` style filters against familiar forms', () => {
    const r = parseNormalizedNamed('docker.io/library/busybox:1.36');
    expect(familiarMatch('busybox*', r)).toBe(true);
    expect(familiarMatch('busybox', r)).toBe(true);
    expect(familiarMatch('busybox:1.*', r)).toBe(true);
    expect(familiarMatch('busybox:2*', r)).toBe(false);
    expect(familiarMatch('library/busybox', r)).toBe(false);
    expect(familiarMatch('docker.io/library/busybox', r)).toBe(false);
    expect(familiarMatch('*', parseNormalizedNamed('127.0.0.1:5000/busybox:local'))).toBe(false);
  });
});
