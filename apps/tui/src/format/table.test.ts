import { describe, expect, it } from 'vitest';
import { formatTable } from './table.js';
import { ellipsis } from './ellipsis.js';
import { shortId } from './short-id.js';

describe('formatTable (Go tabwriter minwidth 10, padding 3)', () => {
  it('pads every column but the last to max(10, widest + 3)', () => {
    expect(formatTable([
      ['REPOSITORY', 'TAG', 'SIZE'],
      ['busybox', 'local', '1.98MB'],
    ])).toEqual(['REPOSITORY   TAG       SIZE', 'busybox      local     1.98MB']);
  });

  it('counts characters, not bytes', () => {
    expect(formatTable([['a…', 'b'], ['abcdefghijkl', 'c']])).toEqual(['a…             b', 'abcdefghijkl   c']);
  });
});

describe('ellipsis and shortId', () => {
  it('cuts to the width with a trailing …', () => {
    expect(ellipsis('/bin/sh -c #(nop) WORKDIR /app', 45)).toBe('/bin/sh -c #(nop) WORKDIR /app');
    expect(ellipsis('abcdef', 4)).toBe('abc…');
    expect(ellipsis('abcdef', 1)).toBe('a');
  });

  it('shows 12 hex of an ID and leaves <missing> alone', () => {
    expect(shortId('sha256:07019df820f5879d03be94bb3657e4fa5c7dc9a78498f27c3bd7fe88f31ac291')).toBe('07019df820f5');
    expect(shortId('<missing>')).toBe('<missing>');
  });
});
