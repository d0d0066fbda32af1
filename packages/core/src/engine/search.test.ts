import { describe, expect, it } from 'vitest';
import { testPorts } from '../../test-support/memory.js';
import { createEngine, splitSearchTerm } from './index.js';

describe('splitSearchTerm (dockerd splitReposSearchTerm)', () => {
  it('takes the part before the first slash as the registry only when it looks like a host', () => {
    expect(splitSearchTerm('127.0.0.1:5000/busy')).toEqual({ registry: '127.0.0.1:5000', remote: 'busy' });
    expect(splitSearchTerm('localhost/a/b')).toEqual({ registry: 'localhost', remote: 'a/b' });
    expect(splitSearchTerm('registry.example/x')).toEqual({ registry: 'registry.example', remote: 'x' });
    expect(splitSearchTerm('samalba/hipache')).toEqual({ registry: undefined, remote: 'samalba/hipache' });
    expect(splitSearchTerm('busybox')).toEqual({ registry: undefined, remote: 'busybox' });
    expect(splitSearchTerm('docker.io/library/busybox')).toEqual({ registry: undefined, remote: 'library/busybox' });
  });
});

describe('engine.searchImages: what is refused before any registry is asked', () => {
  const engine = createEngine(testPorts());

  it('answers a Docker Hub term with an error naming the URL dockerd would have asked', async () => {
    await expect(engine.searchImages('busybox')).rejects.toMatchObject({
      kind: 'internal',
      message: expect.stringMatching(/^Get "https:\/\/index\.docker\.io\/v1\/search\?q=busybox&n=25": /),
    });
    await expect(engine.searchImages('a b', { limit: 3 })).rejects.toThrow('Get "https://index.docker.io/v1/search?q=a%20b&n=3": ');
  });

  it('checks limit and filters with dockerd wording', async () => {
    await expect(engine.searchImages('127.0.0.1:1/x', { limit: 101 })).rejects.toMatchObject({ kind: 'invalid', message: 'Limit 101 is outside the range of [1, 100]' });
    await expect(engine.searchImages('127.0.0.1:1/x', { filters: { color: ['red'] } })).rejects.toThrow("invalid filter 'color'");
    await expect(engine.searchImages('127.0.0.1:1/x', { filters: { 'is-official': ['yes'] } })).rejects.toThrow("invalid filter 'is-official=yes'");
    await expect(engine.searchImages('127.0.0.1:1/x', { filters: { stars: ['many'] } })).rejects.toThrow("invalid filter 'stars=many'");
  });

  it('needs a registry client for a registry term', async () => {
    await expect(engine.searchImages('127.0.0.1:1/x')).rejects.toMatchObject({ kind: 'unavailable' });
  });
});
