import { describe, expect, it } from 'vitest';
import { nodeHasher } from '../../test-support/node.js';
import { digestHex, isHex64, parseDigest, sha256OfText, shortId } from './index.js';

describe('digest', () => {
  it('hashes the empty string to the well-known sha256', () => {
    expect(sha256OfText(nodeHasher, '')).toBe('sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
  it('parses, shortens and rejects', () => {
    const d = 'sha256:07019df820f5879d03be94bb3657e4fa5c7dc9a78498f27c3bd7fe88f31ac291';
    expect(parseDigest(d)).toBe(d);
    expect(shortId(d)).toBe('07019df820f5');
    expect(isHex64(digestHex(d))).toBe(true);
    expect(() => parseDigest('sha256:abc')).toThrow('invalid checksum digest length');
    expect(() => parseDigest(`sha256:${'F'.repeat(64)}`)).toThrow('invalid checksum digest format');
    expect(() => parseDigest('nope')).toThrow(/invalid digest format/);
    expect(() => parseDigest('md5:abcd')).toThrow(/unsupported digest algorithm/);
  });
});
