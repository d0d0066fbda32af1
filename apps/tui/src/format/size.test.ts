import { describe, expect, it } from 'vitest';
import { humanSize } from './size.js';
import { formatGoG } from './go-float.js';

describe('humanSize (go-units HumanSizeWithPrecision)', () => {
  it('prints what docker images and history print (3 digits)', () => {
    expect(humanSize(1982333)).toBe('1.98MB');
    expect(humanSize(3964593)).toBe('3.96MB');
    expect(humanSize(0)).toBe('0B');
    expect(humanSize(19)).toBe('19B');
    expect(humanSize(16)).toBe('16B');
  });

  it('prints what go-units HumanSize prints (4 digits, its own test table)', () => {
    expect(humanSize(1000, 4)).toBe('1kB');
    expect(humanSize(1024, 4)).toBe('1.024kB');
    expect(humanSize(1000000, 4)).toBe('1MB');
    expect(humanSize(1048576, 4)).toBe('1.049MB');
    expect(humanSize(2e6, 4)).toBe('2MB');
    expect(humanSize(3.42e9, 4)).toBe('3.42GB');
    expect(humanSize(5.372e12, 4)).toBe('5.372TB');
    expect(humanSize(2.22e15, 4)).toBe('2.22PB');
    expect(humanSize(10000000000000 * 1e15, 4)).toBe('1e+04YB');
    // docker system df: 5,947,000-ish bytes of layers.
    expect(humanSize(5947000, 4)).toBe('5.947MB');
  });

  it('switches to exponent form when rounding reaches the next power of ten', () => {
    expect(humanSize(999_999)).toBe('1e+03kB');
    expect(humanSize(999)).toBe('999B');
    expect(humanSize(100_000)).toBe('100kB');
    expect(humanSize(120)).toBe('120B');
  });
});

describe('formatGoG (Go %.*g)', () => {
  it('drops trailing zeros', () => {
    expect(formatGoG(1, 3)).toBe('1');
    expect(formatGoG(1.5, 3)).toBe('1.5');
    expect(formatGoG(12.5, 3)).toBe('12.5');
  });

  it('rounds exact ties to even, as Go does (toPrecision rounds them up)', () => {
    expect(formatGoG(1.125, 3)).toBe('1.12');
    expect(formatGoG(1.375, 3)).toBe('1.38');
    expect(formatGoG(2.5, 1)).toBe('2');
    expect(formatGoG(3.5, 1)).toBe('4');
    // 1.005 is really 1.00499999999999989..., so it rounds down in both languages.
    expect(formatGoG(1.005, 3)).toBe('1');
  });

  it('uses exponent form below 1e-4 and at or above 10^precision', () => {
    expect(formatGoG(0.0001, 3)).toBe('0.0001');
    expect(formatGoG(0.00001234, 3)).toBe('1.23e-05');
    expect(formatGoG(1234, 3)).toBe('1.23e+03');
    expect(formatGoG(0, 3)).toBe('0');
    expect(formatGoG(-2.5, 3)).toBe('-2.5');
  });
});
