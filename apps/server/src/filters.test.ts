import { describe, expect, it } from 'vitest';
import { parseFilters } from './filters.js';

describe('parseFilters', () => {
  it('reads the map-of-sets form the CLI sends', () => {
    expect(parseFilters('{"reference":{"mybuild":true}}')).toEqual({ reference: ['mybuild'] });
    expect(parseFilters('{"name":{"up1":true,"chg":true}}')).toEqual({ name: ['up1', 'chg'] });
  });

  it('reads the older array form', () => {
    expect(parseFilters('{"dangling":["true"],"label":["a=b","c"]}')).toEqual({ dangling: ['true'], label: ['a=b', 'c'] });
  });

  it('drops values set to false, as dockerd', () => {
    expect(parseFilters('{"reference":{"a":true,"b":false}}')).toEqual({ reference: ['a'] });
  });

  it('treats absent or empty as no filters', () => {
    expect(parseFilters(undefined)).toEqual({});
    expect(parseFilters('')).toEqual({});
    expect(parseFilters('{}')).toEqual({});
  });

  it('rejects what is not a filter map with a 400', () => {
    for (const raw of ['{nope', '[]', '"x"', '{"reference":"a"}']) {
      expect(() => parseFilters(raw), raw).toThrow(expect.objectContaining({ status: 400 }));
    }
  });
});
