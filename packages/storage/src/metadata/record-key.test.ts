import { describe, expect, it } from 'vitest';
import { decodeRecordKey, encodeRecordKey } from './record-key.js';

describe('record keys as file names', () => {
  it.each([
    ['docker.io/library/busybox:latest', 'docker.io%2Flibrary%2Fbusybox%3Alatest'],
    ['sha256:07019df820f5879d03be94bb3657e4fa5c7dc9a78498f27c3bd7fe88f31ac291', 'sha256%3A07019df820f5879d03be94bb3657e4fa5c7dc9a78498f27c3bd7fe88f31ac291'],
    ['..', '%2E.'],
    ['.hidden', '%2Ehidden'],
    ['100%', '100%25'],
    ['naïve name', 'na%C3%AFve%20name'],
    ['a\\b*c?', 'a%5Cb%2Ac%3F'],
  ])('%s <-> %s', (key, name) => {
    expect(encodeRecordKey(key)).toBe(name);
    expect(decodeRecordKey(name)).toBe(key);
  });

  it('refuses what it cannot store and names it could not have made', () => {
    expect(() => encodeRecordKey('')).toThrow('metadata key must not be empty');
    expect(() => encodeRecordKey('/'.repeat(100))).toThrow(/metadata key too long/);
    expect(decodeRecordKey('a:b')).toBeUndefined();
    expect(decodeRecordKey('%zz')).toBeUndefined();
  });
});
