import { describe, expect, it } from 'vitest';
import { appendOutput, findMatches, highlightSegments, maxLogLines, type LogLine } from './log-lines.js';

describe('log lines', () => {
  it('joins a line split across records and keeps stdout and stderr apart', () => {
    const partial = { stdout: '', stderr: '' };
    let lines: LogLine[] = [];
    lines = appendOutput(lines, partial, 'hel', false);
    lines = appendOutput(lines, partial, 'oops\n', true);
    lines = appendOutput(lines, partial, 'lo\r\nworld\n', false);
    expect(lines).toEqual([
      { text: 'oops', stderr: true },
      { text: 'hello', stderr: false },
      { text: 'world', stderr: false },
    ]);
    expect(partial).toEqual({ stdout: '', stderr: '' });
  });

  it(`keeps the last ${maxLogLines} lines`, () => {
    const partial = { stdout: '', stderr: '' };
    const text = Array.from({ length: maxLogLines + 5 }, (_, i) => `line ${i}\n`).join('');
    const lines = appendOutput([], partial, text, false);
    expect(lines).toHaveLength(maxLogLines);
    expect(lines[0].text).toBe('line 5');
  });

  it('finds matches case-insensitively and splits a line around each', () => {
    const lines = [{ text: 'GET /health 200', stderr: false }, { text: 'boot', stderr: false }, { text: 'get /x 500 get', stderr: true }];
    expect(findMatches(lines, 'get')).toEqual([0, 2]);
    expect(findMatches(lines, '')).toEqual([]);
    expect(highlightSegments('get /x 500 GET', 'get')).toEqual([
      { text: 'get', match: true },
      { text: ' /x 500 ', match: false },
      { text: 'GET', match: true },
    ]);
    expect(highlightSegments('abc', '')).toEqual([{ text: 'abc', match: false }]);
  });
});
