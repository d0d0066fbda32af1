import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expandWord, expandWords, goQuote, reverseShellPattern, shellPatternRegexSource, variablesFromList } from './shell-lex.js';

// BuildKit's shell lexer test data (frontend/dockerfile/shell/{envVarTest,wordsTest}), unchanged.
const testdata = join(dirname(fileURLToPath(import.meta.url)), 'testdata/buildkit/shell');

describe('BuildKit envVarTest', () => {
  const env = variablesFromList(['PWD=/home', 'SHELL=bash', 'KOREAN=한국어', 'NULL=']);
  const lines = readFileSync(join(testdata, 'envVarTest'), 'utf8').split('\n');
  let ran = 0;
  lines.forEach((raw, i) => {
    if (raw.startsWith('#')) return;
    const line = raw.trim();
    if (line === '') return;
    const [platform, source, expected] = line.split('|').map((s) => s.trim());
    if (platform === 'W') return;
    ran++;
    it(`line ${i + 1}: ${source}`, () => {
      if (expected === 'error') expect(() => expandWord(source, env)).toThrow();
      else expect(expandWord(source, env)).toBe(expected);
    });
  });
  it('ran the Unix cases', () => expect(ran).toBeGreaterThan(200));
});

describe('BuildKit wordsTest', () => {
  const env: string[] = [];
  readFileSync(join(testdata, 'wordsTest'), 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (line.startsWith('#') || line === '') return;
      if (line.startsWith('ENV ')) {
        env.push(line.slice(3).replace(/^ +/, ''));
        return;
      }
      const [test, want] = line.split('|');
      const vars = variablesFromList([...env]);
      it(`line ${i + 1}: ${test.trim()}`, () => {
        let got: string[];
        try {
          got = expandWords(test.trim(), vars);
        } catch {
          got = ['error'];
        }
        expect(got).toEqual(want.replace(/^ +/, '').split(','));
      });
    });
});

describe('shell lexer details (BuildKit lex_test)', () => {
  it('converts shell patterns to regexes', () => {
    expect(shellPatternRegexSource('*', true, true)).toBe('^.*');
    expect(shellPatternRegexSource('?', true, true)).toBe('^.');
    expect(shellPatternRegexSource('\\*', true, true)).toBe('^\\*');
    expect(shellPatternRegexSource('(()[]{\\}^$.\\*\\?|\\\\', true, true)).toBe('^\\(\\(\\)\\[\\]\\{\\}\\^\\$\\.\\*\\?\\|\\\\');
    for (const bad of ['\\', '\\x', '\\\\\\']) expect(() => shellPatternRegexSource(bad, true, true)).toThrow();
  });

  it('reverses patterns keeping escapes', () => {
    expect(reverseShellPattern('a\\*c')).toBe('c\\*a');
    expect(reverseShellPattern('\\\\\\ab')).toBe('b\\a\\\\');
    expect(reverseShellPattern('ab\\')).toBe('\\ba');
    expect(reverseShellPattern('👽\\🚀🖖')).toBe('🖖\\🚀👽');
  });

  it('enforces ${VAR?msg} and ${VAR:?msg}', () => {
    const set = variablesFromList(['VAR=plain', 'ARG=x']);
    const empty = variablesFromList(['VAR=', 'ARG=x']);
    const unset = variablesFromList(['ARG=x']);
    expect(expandWord('${VAR:?message here$ARG}', set)).toBe('plain');
    expect(() => expandWord('${VAR:?message here$ARG}', empty)).toThrow('message herex');
    expect(() => expandWord('${VAR:?message here$ARG}', unset)).toThrow('message herex');
    expect(expandWord('${VAR?message here$ARG}', empty)).toBe('');
    expect(() => expandWord('${VAR?message here$ARG}', unset)).toThrow('VAR: message herex');
  });

  it('quotes like Go strconv.Quote', () => {
    expect(goQuote('a"b\\c\n\t\x01é')).toBe('"a\\"b\\\\c\\n\\t\\x01é"');
  });
});
