import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DockerfileSyntaxError, dumpNode, parseDockerfile, parseWords } from './dockerfile-parser.js';

// BuildKit's parser test data (frontend/dockerfile/parser/testfiles*), copied unchanged.
const testdata = join(dirname(fileURLToPath(import.meta.url)), 'testdata/buildkit/parser');
const read = (...p: string[]): string => readFileSync(join(testdata, ...p), 'utf8');

describe('BuildKit parser testfiles', () => {
  const cases = readdirSync(join(testdata, 'testfiles')).sort();
  it('has every case of the suite', () => {
    expect(cases.length).toBe(33);
  });
  for (const dir of cases) {
    it(dir, () => {
      const got = dumpNode(parseDockerfile(read('testfiles', dir, 'Dockerfile')).root) + '\n';
      const want = read('testfiles', dir, 'result');
      expect(got.split('\n')).toEqual(want.split('\n'));
    });
  }
  for (const dir of readdirSync(join(testdata, 'testfiles-negative')).sort()) {
    it(`rejects ${dir}`, () => {
      expect(() => parseDockerfile(read('testfiles-negative', dir, 'Dockerfile'))).toThrow(DockerfileSyntaxError);
    });
  }
});

describe('parseDockerfile', () => {
  it('puts line numbers on every instruction (testfile-line)', () => {
    const { root } = parseDockerfile(read('testfile-line', 'Dockerfile'));
    expect([root.startLine, root.endLine, root.children.length]).toEqual([5, 31, 3]);
    expect(root.children.map((c) => [c.startLine, c.endLine])).toEqual([
      [5, 5],
      [11, 12],
      [17, 31],
    ]);
  });

  it('warns on empty continuation lines, not on comment lines', () => {
    const { warnings } = parseDockerfile(
      '\nFROM alpine:3.6\n\nRUN valid \\\n    continuation\n\nRUN something \\\n\n    following \\\n\n    more\n\nRUN another \\\n\n    thing\n\nRUN non-indented \\\n# this is a comment\n   after-comment\n\nRUN indented \\\n    # this is an indented comment\n    comment\n\t',
    );
    expect(warnings.length).toBe(2);
    expect(warnings[0].short).toBe('Empty continuation line found in: RUN something     following     more');
    expect(warnings[1].short).toBe('Empty continuation line found in: RUN another     thing');
    expect(warnings[0].detail).toContain('will become errors in a future release');
  });

  it('splits words as BuildKit parseWords does', () => {
    expect(parseWords('foo')).toEqual(['foo']);
    expect(parseWords('foo bar')).toEqual(['foo', 'bar']);
    expect(parseWords('foo\\ bar')).toEqual(['foo\\ bar']);
    expect(parseWords("foo bar 'abc xyz'")).toEqual(['foo', 'bar', "'abc xyz'"]);
    expect(parseWords('föo bàr "âbc xÿz"')).toEqual(['föo', 'bàr', '"âbc xÿz"']);
  });

  it('extracts heredocs (BuildKit parser_heredoc_test cases)', () => {
    const df = [
      'FROM alpine:3.6',
      'RUN <<EMPTY',
      'EMPTY',
      'RUN 3<<EMPTY2',
      'EMPTY2',
      'RUN "<<NOHEREDOC"',
      'RUN <<-UNINDENT2',
      '\tbaz',
      '\tquux',
      '\tUNINDENT2',
      'RUN <<-\'NOEXPAND\'',
      "\tdon't expand $NAME",
      'NOEXPAND',
      'COPY <<FILE1 <<FILE2 /dest',
      'content 1',
      'FILE1',
      'content 2',
      'FILE2',
      'ONBUILD RUN <<EOF',
      'echo hi',
      'EOF',
      'RUN ["ls", "<<EOF"]',
      '',
    ].join('\n');
    const kids = parseDockerfile(df).root.children;
    const docs = kids.map((k) => k.heredocs.map((h) => [h.name, h.fileDescriptor, h.expand, h.chomp, h.content]));
    expect(docs).toEqual([
      [],
      [['EMPTY', 0, true, false, '']],
      [['EMPTY2', 3, true, false, '']],
      [],
      [['UNINDENT2', 0, true, true, '\tbaz\n\tquux\n']],
      [['NOEXPAND', 0, false, true, "\tdon't expand $NAME\n"]],
      [
        ['FILE1', 0, true, false, 'content 1\n'],
        ['FILE2', 0, true, false, 'content 2\n'],
      ],
      [['EOF', 0, true, false, 'echo hi\n']],
      [],
    ]);
    expect(kids.map((k) => [k.startLine, k.endLine])).toEqual([
      [1, 1],
      [2, 3],
      [4, 5],
      [6, 6],
      [7, 10],
      [11, 13],
      [14, 18],
      [19, 21],
      [22, 22],
    ]);
  });

  it('fails with the line of an unterminated heredoc', () => {
    const e = catchError(() => parseDockerfile('FROM a\nRUN <<EOF\necho\n'));
    expect([e.message, e.startLine, e.endLine]).toEqual(['unterminated heredoc', 2, 3]);
  });

  it('fails on JSON arrays of non-strings, with the line', () => {
    const e = catchError(() => parseDockerfile('FROM a\n\nCMD ["a", 1]\n'));
    expect([e.message, e.startLine]).toEqual(['when using JSON array syntax, arrays must be comprised of strings only', 3]);
  });

  it('rejects a bad escape directive and a repeated directive', () => {
    expect(catchError(() => parseDockerfile('# escape=x\nFROM a\n')).message).toBe("invalid escape token 'x' does not match ` or \\");
    expect(catchError(() => parseDockerfile('# syntax=a\n# syntax=b\nFROM a\n')).message).toBe('only one syntax parser directive can be used');
  });

  it('ignores directives after the first instruction or comment', () => {
    const { escapeToken } = parseDockerfile('# a comment\n# escape=`\nFROM a\n');
    expect(escapeToken).toBe('\\');
  });

  it('says a file of comments has no instructions', () => {
    expect(catchError(() => parseDockerfile('# only\n\n')).message).toBe('file with no instructions');
  });
});

function catchError(f: () => unknown): DockerfileSyntaxError {
  try {
    f();
  } catch (e) {
    if (e instanceof DockerfileSyntaxError) return e;
    throw e;
  }
  throw new Error('no error');
}
