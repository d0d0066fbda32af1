import { describe, expect, it } from 'vitest';
import { DockerignoreMatcher, goCleanPath, readDockerignore } from './dockerignore.js';

const matches = (file: string, patterns: string[]): boolean => new DockerignoreMatcher(patterns).matches(file);

// Cases from moby/patternmatcher's patternmatcher_test.go (TestMatches, MatchesOrParentMatches).
const table: [string, string, boolean][] = [
  ['**', 'file', true], ['**', 'file/', true], ['**/', 'file', true], ['**/', 'file/', true], ['**', 'dir/file', true],
  ['**/', 'dir/file', true], ['**', 'dir/file/', true], ['**/**', 'dir/file', true], ['**/**', 'dir/file/', true],
  ['dir/**', 'dir/file', true], ['dir/**', 'dir/file/', true], ['dir/**', 'dir/dir2/file', true], ['dir/**', 'dir/dir2/file/', true],
  ['**/dir', 'dir', true], ['**/dir', 'dir/file', true], ['**/dir2/*', 'dir/dir2/file', true], ['**/dir2/*', 'dir/dir2/file/', true],
  ['**/dir2/**', 'dir/dir2/dir3/file', true], ['**/dir2/**', 'dir/dir2/dir3/file/', true], ['**file', 'file', true],
  ['**file', 'dir/file', true], ['**/file', 'dir/file', true], ['**file', 'dir/dir/file', true], ['**/file', 'dir/dir/file', true],
  ['**/file*', 'dir/dir/file', true], ['**/file*', 'dir/dir/file.txt', true], ['**/file*txt', 'dir/dir/file.txt', true],
  ['**/file*.txt', 'dir/dir/file.txt', true], ['**/file*.txt*', 'dir/dir/file.txt', true], ['**/**/*.txt', 'dir/dir/file.txt', true],
  ['**/**/*.txt2', 'dir/dir/file.txt', false], ['**/*.txt', 'file.txt', true], ['**/**/*.txt', 'file.txt', true],
  ['a**/*.txt', 'a/file.txt', true], ['a**/*.txt', 'a/dir/file.txt', true], ['a**/*.txt', 'a/dir/dir/file.txt', true],
  ['a/*.txt', 'a/dir/file.txt', false], ['a/*.txt', 'a/file.txt', true], ['a/*.txt**', 'a/file.txt', true],
  ['a[b-d]e', 'ae', false], ['a[b-d]e', 'ace', true], ['a[b-d]e', 'aae', false], ['a[^b-d]e', 'aze', true], ['.*', '.foo', true],
  ['.*', 'foo', false], ['abc.def', 'abcdef', false], ['abc.def', 'abc.def', true], ['abc.def', 'abcZdef', false],
  ['abc?def', 'abcZdef', true], ['abc?def', 'abcdef', false], ['**/foo/bar', 'foo/bar', true], ['**/foo/bar', 'dir/foo/bar', true],
  ['**/foo/bar', 'dir/dir2/foo/bar', true], ['abc/**', 'abc', false], ['abc/**', 'abc/def', true], ['abc/**', 'abc/def/ghi', true],
  ['**/.foo', '.foo', true], ['**/.foo', 'bar.foo', false], ['a(b)c/def', 'a(b)c/def', true], ['a(b)c/def', 'a(b)c/xyz', false],
  ['a.|)$(}+{bc', 'a.|)$(}+{bc', true], ['dist/*.whl', 'dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl', true],
  ['a\\\\', 'a\\', true], ['a\\*b', 'a*b', true],
];

describe('DockerignoreMatcher (moby/patternmatcher)', () => {
  for (const [pattern, text, want] of table) {
    it(`${pattern} ${want ? 'matches' : 'does not match'} ${text}`, () => expect(matches(text, [pattern])).toBe(want));
  }

  it('applies ! exceptions in order', () => {
    expect(matches('util/docker/web/foo', ['**', '!util/docker/web'])).toBe(false);
    expect(matches('util/docker/web/foo', ['**', '!util/docker/web', 'util/docker/web/foo'])).toBe(true);
    expect(matches('dist/x.whl', ['**', '!dist/*.whl'])).toBe(false);
    expect(matches('fileutils.go', ['!fileutils.go', '*.go'])).toBe(true);
    expect(matches('fileutils.go', ['*.go', '!fileutils.go'])).toBe(false);
    expect(matches('docs/README.md', ['docs', '!docs/README.md'])).toBe(false);
    expect(matches('docs/README.md', ['docs/*', '!docs/README.md'])).toBe(false);
  });

  it('never excludes the context root, and rejects bad patterns', () => {
    expect(matches('.', ['*.go'])).toBe(false);
    expect(() => new DockerignoreMatcher(['!'])).toThrow('illegal exclusion pattern: "!"');
    expect(() => new DockerignoreMatcher(['['])).toThrow('syntax error in pattern');
  });

  it('reads a .dockerignore file as ignorefile.ReadAll does', () => {
    expect(readDockerignore('\ufeff# comment\n  node_modules  \n/abs/../x\n! keep.txt\n\n*.log\r\n')).toEqual(['node_modules', 'x', '!keep.txt', '*.log']);
  });

  it('cleans paths as Go path.Clean', () => {
    expect(['', 'a//b', './a/', '/../a', 'a/../..', '/'].map(goCleanPath)).toEqual(['.', 'a/b', 'a', '/a', '..', '/']);
  });
});
