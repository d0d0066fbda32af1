import { describe, expect, it } from 'vitest';
import { isStrataError } from '../errors/index.js';
import { cleanEntryPath, linkTargetEscapes } from './index.js';

const invalidOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (isStrataError(e, 'invalid')) return e.message;
    throw e;
  }
  throw new Error('did not throw');
};

describe('cleanEntryPath', () => {
  it.each([
    ['./a/', 'a'],
    ['a//b', 'a/b'],
    ['./bin/busybox', 'bin/busybox'],
    ['links/', 'links'],
    ['a/./b/../c', 'a/c'],
    ['./', '.'],
    ['.', '.'],
    ['a/..', '.'],
  ])('%j -> %j', (name, clean) => {
    expect(cleanEntryPath(name)).toBe(clean);
  });

  it('treats a, ./a and a/ as the same path', () => {
    expect(new Set(['a', './a', 'a/', './a/'].map(cleanEntryPath))).toEqual(new Set(['a']));
  });

  it.each(['../x', 'a/../../x', './..', '..'])('rejects %j, which climbs out of the layer root', (name) => {
    expect(invalidOf(() => cleanEntryPath(name))).toBe(`${JSON.stringify(name)} is outside of the layer root`);
  });

  it.each(['/etc/passwd', '/', '//a'])('rejects the absolute name %j', (name) => {
    expect(invalidOf(() => cleanEntryPath(name))).toMatch(/absolute paths are not allowed/);
  });
});

describe('linkTargetEscapes', () => {
  it('accepts hardlink targets inside the archive, as in fixture 04-links', () => {
    expect(linkTargetEscapes('links/dir/hardlink-in-subdir.txt')).toBe(false);
    expect(linkTargetEscapes('./links/hardlink-later.txt')).toBe(false);
    expect(linkTargetEscapes('a/../b')).toBe(false);
  });

  it('flags targets that leave the root or are absolute', () => {
    expect(linkTargetEscapes('../../etc/shadow')).toBe(true);
    expect(linkTargetEscapes('a/../../b')).toBe(true);
    expect(linkTargetEscapes('/etc/shadow')).toBe(true);
  });
});
