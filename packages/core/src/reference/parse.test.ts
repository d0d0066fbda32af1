// Tables ported from github.com/distribution/reference reference_test.go.
import { describe, expect, it } from 'vitest';
import { StrataError } from '../errors/index.js';
import { parseReference } from './parse.js';
import { parseName, referenceName, referenceString, withDigest, withTag, type Reference } from './reference.js';

const F64 = 'f'.repeat(64);

/** The StrataError thrown by `fn` (fails the test when nothing, or something else, is thrown). */
function thrown(fn: () => unknown): StrataError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(StrataError);
    return e as StrataError;
  }
  throw new Error('expected an error, got none');
}

interface ParseCase {
  input: string;
  err?: RegExp;
  repository?: string;
  domain?: string;
  tag?: string;
  digest?: string;
}

const parseCases: ParseCase[] = [
  { input: 'test_com', repository: 'test_com' },
  { input: 'test.com:tag', repository: 'test.com', tag: 'tag' },
  { input: 'test.com:5000', repository: 'test.com', tag: '5000' },
  { input: 'test.com/repo:tag', domain: 'test.com', repository: 'test.com/repo', tag: 'tag' },
  { input: 'test:5000/repo', domain: 'test:5000', repository: 'test:5000/repo' },
  { input: 'test:5000/repo:tag', domain: 'test:5000', repository: 'test:5000/repo', tag: 'tag' },
  { input: `test:5000/repo@sha256:${F64}`, domain: 'test:5000', repository: 'test:5000/repo', digest: `sha256:${F64}` },
  { input: `test:5000/repo:tag@sha256:${F64}`, domain: 'test:5000', repository: 'test:5000/repo', tag: 'tag', digest: `sha256:${F64}` },
  { input: '', err: /^repository name must have at least one component$/ },
  { input: ':justtag', err: /^invalid reference format$/ },
  { input: `@sha256:${F64}`, err: /^invalid reference format$/ },
  // go-digest's ErrDigestInvalidLength / ErrDigestUnsupported, as our digest room words them
  { input: `repo@sha256:${'f'.repeat(34)}`, err: /^invalid checksum digest length/ },
  { input: `validname@invaliddigest:${F64}`, err: /^unsupported digest algorithm/ },
  { input: 'Uppercase:tag', err: /^repository name must be lowercase$/ },
  { input: 'test:5000/Uppercase/lowercase:tag', err: /^repository name must be lowercase$/ },
  { input: 'lowercase:Uppercase', repository: 'lowercase', tag: 'Uppercase' },
  { input: `domain/${'a'.repeat(256)}:tag`, err: /^repository name must not be more than 255 characters$/ },
  { input: `${'a/'.repeat(127)}a:tag-puts-this-over-max`, domain: 'a', repository: `${'a/'.repeat(127)}a`, tag: 'tag-puts-this-over-max' },
  { input: 'aa/asdf$$^/aa', err: /^invalid reference format$/ },
  { input: 'sub-dom1.foo.com/bar/baz/quux', domain: 'sub-dom1.foo.com', repository: 'sub-dom1.foo.com/bar/baz/quux' },
  { input: 'sub-dom1.foo.com/bar/baz/quux:some-long-tag', domain: 'sub-dom1.foo.com', repository: 'sub-dom1.foo.com/bar/baz/quux', tag: 'some-long-tag' },
  { input: 'b.gcr.io/test.example.com/my-app:test.example.com', domain: 'b.gcr.io', repository: 'b.gcr.io/test.example.com/my-app', tag: 'test.example.com' },
  { input: 'xn--n3h.com/myimage:xn--n3h.com', domain: 'xn--n3h.com', repository: 'xn--n3h.com/myimage', tag: 'xn--n3h.com' },
  { input: `xn--7o8h.com/myimage:xn--7o8h.com@sha256:${F64}`, domain: 'xn--7o8h.com', repository: 'xn--7o8h.com/myimage', tag: 'xn--7o8h.com', digest: `sha256:${F64}` },
  { input: 'foo_bar.com:8080', repository: 'foo_bar.com', tag: '8080' },
  { input: 'foo/foo_bar.com:8080', domain: 'foo', repository: 'foo/foo_bar.com', tag: '8080' },
  { input: '192.168.1.1', repository: '192.168.1.1' },
  { input: '192.168.1.1:tag', repository: '192.168.1.1', tag: 'tag' },
  { input: '192.168.1.1:5000', repository: '192.168.1.1', tag: '5000' },
  { input: '192.168.1.1/repo', domain: '192.168.1.1', repository: '192.168.1.1/repo' },
  { input: '192.168.1.1:5000/repo', domain: '192.168.1.1:5000', repository: '192.168.1.1:5000/repo' },
  { input: '192.168.1.1:5000/repo:5050', domain: '192.168.1.1:5000', repository: '192.168.1.1:5000/repo', tag: '5050' },
  { input: '[2001:db8::1]', err: /^invalid reference format$/ },
  { input: '[2001:db8::1]:5000', err: /^invalid reference format$/ },
  { input: '[2001:db8::1]:tag', err: /^invalid reference format$/ },
  { input: '[2001:db8::1]/repo', domain: '[2001:db8::1]', repository: '[2001:db8::1]/repo' },
  { input: '[2001:db8:1:2:3:4:5:6]/repo:tag', domain: '[2001:db8:1:2:3:4:5:6]', repository: '[2001:db8:1:2:3:4:5:6]/repo', tag: 'tag' },
  { input: '[2001:db8::1]:5000/repo', domain: '[2001:db8::1]:5000', repository: '[2001:db8::1]:5000/repo' },
  { input: '[2001:db8::1]:5000/repo:tag', domain: '[2001:db8::1]:5000', repository: '[2001:db8::1]:5000/repo', tag: 'tag' },
  { input: `[2001:db8::1]:5000/repo@sha256:${F64}`, domain: '[2001:db8::1]:5000', repository: '[2001:db8::1]:5000/repo', digest: `sha256:${F64}` },
  { input: `[2001:db8::1]:5000/repo:tag@sha256:${F64}`, domain: '[2001:db8::1]:5000', repository: '[2001:db8::1]:5000/repo', tag: 'tag', digest: `sha256:${F64}` },
  { input: '[2001:db8::]:5000/repo', domain: '[2001:db8::]:5000', repository: '[2001:db8::]:5000/repo' },
  { input: '[::1]:5000/repo', domain: '[::1]:5000', repository: '[::1]:5000/repo' },
  { input: '[fe80::1%eth0]:5000/repo', err: /^invalid reference format$/ },
  { input: '[fe80::1%@invalidzone]:5000/repo', err: /^invalid reference format$/ },
  { input: `example.com/${'a'.repeat(255)}:tag`, domain: 'example.com', repository: `example.com/${'a'.repeat(255)}`, tag: 'tag' },
];

describe('parseReference (TestReferenceParse)', () => {
  it.each(parseCases.map((c) => [c.input.length > 60 ? `${c.input.slice(0, 60)}…` : c.input, c] as const))('%s', (_label, c) => {
    if (c.err) {
      const e = thrown(() => parseReference(c.input));
      expect(e.kind).toBe('invalid');
      expect(e.message).toMatch(c.err);
      return;
    }
    const r = parseReference(c.input);
    expect(referenceString(r)).toBe(c.input);
    expect(referenceName(r)).toBe(c.repository);
    expect(r.domain).toBe(c.domain ?? '');
    expect(r.tag).toBe(c.tag);
    expect(r.digest).toBe(c.digest);
    expect(Object.isFrozen(r)).toBe(true);
  });

  it('accepts sha512 digests, which Docker registers and upstream tests leave unregistered', () => {
    const d = `sha512:${'f'.repeat(128)}`;
    expect(parseReference(`validname@${d}`).digest).toBe(d);
  });

  it('leaves absent parts out of the value', () => {
    expect(parseReference('busybox')).toEqual({ domain: '', path: 'busybox' });
    expect(Object.keys(parseReference('busybox'))).toEqual(['domain', 'path']);
  });
});

describe('parseName (TestWithNameFailure, TestDomainAndPath)', () => {
  const failures: [string, RegExp][] = [
    ['', /^invalid reference format$/],
    [':justtag', /^invalid reference format$/],
    [`@sha256:${F64}`, /^invalid reference format$/],
    [`validname@invaliddigest:${F64}`, /^invalid reference format$/],
    ['example.com/repo:tag', /^invalid reference format$/],
    [`example.com/${'a'.repeat(256)}`, /^repository name must not be more than 255 characters$/],
    ['aa/asdf$$^/aa', /^invalid reference format$/],
  ];
  it.each(failures)('rejects %s', (input, err) => {
    expect(thrown(() => parseName(input)).message).toMatch(err);
  });

  const splits: [string, string, string][] = [
    ['test.com/foo', 'test.com', 'foo'],
    ['test_com/foo', '', 'test_com/foo'],
    ['test:8080/foo', 'test:8080', 'foo'],
    ['test.com:8080/foo', 'test.com:8080', 'foo'],
    ['test-com:8080/foo', 'test-com:8080', 'foo'],
    ['xn--n3h.com:18080/foo', 'xn--n3h.com:18080', 'foo'],
  ];
  it.each(splits)('splits %s into %s and %s', (input, domain, path) => {
    expect(parseName(input)).toEqual({ domain, path });
  });
});

describe('parseReference as unmarshalling (TestSerialization)', () => {
  const cases: [string, string, string | undefined, string | undefined][] = [
    ['example.com:8000/named', 'example.com:8000/named', undefined, undefined],
    ['example.com:8000/named:tagged', 'example.com:8000/named', 'tagged', undefined],
    [
      'other.com/named@sha256:1234567890098765432112345667890098765432112345667890098765432112',
      'other.com/named',
      undefined,
      'sha256:1234567890098765432112345667890098765432112345667890098765432112',
    ],
  ];
  it.each(cases)('%s round-trips', (input, name, tag, digest) => {
    const r = parseReference(input);
    expect([referenceName(r), r.tag, r.digest]).toEqual([name, tag, digest]);
    expect(referenceString(r)).toBe(input);
  });
});

describe('withTag and withDigest (TestWithTag, TestWithDigest)', () => {
  const short = 'sha256:1234567890098765432112345667890098765';
  const tagCases: [string, string | undefined, string, string][] = [
    ['test.com/foo', undefined, 'tag', 'test.com/foo:tag'],
    ['foo', undefined, 'tag2', 'foo:tag2'],
    ['test.com:8000/foo', undefined, 'tag4', 'test.com:8000/foo:tag4'],
    ['test.com:8000/foo', undefined, 'TAG5', 'test.com:8000/foo:TAG5'],
    ['test.com:8000/foo', short, 'TAG5', `test.com:8000/foo:TAG5@${short}`],
  ];
  it.each(tagCases)('%s + %s + :%s', (name, digest, tag, combined) => {
    let r: Reference = parseName(name);
    if (digest) r = withDigest(r, digest);
    expect(referenceString(withTag(r, tag))).toBe(combined);
  });

  const digestCases: [string, string | undefined, string][] = [
    ['test.com/foo', undefined, `test.com/foo@${short}`],
    ['foo', undefined, `foo@${short}`],
    ['test.com:8000/foo', undefined, `test.com:8000/foo@${short}`],
    ['test.com:8000/foo', 'latest', `test.com:8000/foo:latest@${short}`],
  ];
  it.each(digestCases)('%s + :%s + digest', (name, tag, combined) => {
    let r: Reference = parseName(name);
    if (tag) r = withTag(r, tag);
    expect(referenceString(withDigest(r, short))).toBe(combined);
  });

  it('rejects bad tags and digests with Docker words (TestInvalidReferenceComponents)', () => {
    const r = parseName('busybox');
    expect(thrown(() => withTag(r, '-foo')).message).toBe('invalid tag format');
    expect(thrown(() => withTag(r, 'a'.repeat(129))).message).toBe('invalid tag format');
    expect(thrown(() => withDigest(r, 'foo')).message).toBe('invalid digest format');
    expect(r).toEqual({ domain: '', path: 'busybox' });
  });
});
