import { describe, expect, it } from 'vitest';
import { cacheRootOf, flagOf, looksSecret } from './path-flags.js';

describe('path flags', () => {
  it('flag secret-looking names and keys, not public certificates or examples', () => {
    for (const p of ['app/.env', 'root/.ssh/id_rsa', 'srv/tls/server.pem', 'srv/tls/server.key', 'app/.env.production', 'root/.docker/config.json', 'root/.aws/credentials', 'a.p12'])
      expect(looksSecret(p), p).toBe(true);
    for (const p of ['etc/ssl/certs/ca.pem', 'usr/lib/cacert.pem', 'app/.env.example', 'srv/.pem', 'srv/keys.txt', 'usr/bin/env', 'app/monkey'])
      expect(looksSecret(p), p).toBe(false);
  });

  it('find the package-manager cache a path sits in', () => {
    expect(cacheRootOf('var/cache/apt/archives/x.deb')).toBe('var/cache/apt/');
    expect(cacheRootOf('var/cache/apt')).toBeUndefined();
    expect(cacheRootOf('home/app/.cache/pip/wheels/a.whl')).toBe('home/app/.cache/pip/');
    expect(cacheRootOf('root/.npm/_cacache/index')).toBe('root/.npm/');
    expect(cacheRootOf('usr/lib/python3/site.py')).toBeUndefined();
    expect(flagOf('var/lib/apt/lists/deb.debian.org_dists')).toBe('cache');
    expect(flagOf('root/.cache/secrets/id_rsa')).toBe('secret');
    expect(flagOf('bin/sh')).toBeUndefined();
  });
});
