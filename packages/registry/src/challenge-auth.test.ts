import { describe, expect, it } from 'vitest';
import { parseChallenges } from './challenge-auth.js';

describe('WWW-Authenticate', () => {
  it('reads Bearer parameters (quoted, with commas and escapes) and several challenges', () => {
    expect(parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/ubuntu:pull,push"')).toEqual([
      { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/ubuntu:pull,push' } },
    ]);
    expect(parseChallenges(['Basic realm="basic-realm"', 'Bearer realm=http://127.0.0.1/t, error="a \\"b\\""'])).toEqual([
      { scheme: 'basic', params: { realm: 'basic-realm' } },
      { scheme: 'bearer', params: { realm: 'http://127.0.0.1/t', error: 'a "b"' } },
    ]);
    expect(parseChallenges(undefined)).toEqual([]);
  });
});
