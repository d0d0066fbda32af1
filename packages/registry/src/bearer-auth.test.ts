// The Bearer token flow (Docker Hub's): a loopback front that demands tokens from its own token endpoint.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { type Server, createServer, request } from 'node:http';
import { join } from 'node:path';
import { parseNormalizedNamed } from '@strata/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRegistry, startLocalRegistry } from './local-registry.js';
import { RegistryClient } from './registry-client.js';

const fixtures = join(import.meta.dirname, '../../../../shared/fixtures/images');

interface TokenRequest {
  query: Record<string, string>;
  /** Every `scope` parameter, in order (a mount asks for two). */
  scopes: string[];
  authorization?: string;
}

/**
 * A registry front on 127.0.0.1: `/token` grants tokens (to anyone, or to alice:pw123 only) for
 * the scopes asked, `/v2/` wants them. As distribution's token-authenticated registry, a mount
 * whose token lacks pull on the source repository becomes a plain upload (the mount is declined).
 */
async function startBearerFront(upstreamPort: number, options: { requireUser: boolean }) {
  const tokens: TokenRequest[] = [];
  const granted = new Map<string, string[]>();
  let port = 0;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    if (url.pathname === '/token') {
      const scopes = url.searchParams.getAll('scope');
      tokens.push({ query: Object.fromEntries(url.searchParams), scopes, authorization: req.headers.authorization });
      const basicOk = req.headers.authorization === `Basic ${Buffer.from('alice:pw123').toString('base64')}`;
      if (options.requireUser && !basicOk) {
        res.writeHead(401, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'incorrect username or password' }] }));
        return;
      }
      const token = `t${tokens.length}`;
      granted.set(token, scopes);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ token, expires_in: 300 }));
      return;
    }
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!bearer || !granted.has(bearer)) {
      const repo = /^\/v2\/(.+?)\/(?:manifests|blobs)\//.exec(url.pathname)?.[1] ?? '';
      res.writeHead(401, {
        'Content-Type': 'application/json',
        'WWW-Authenticate': `Bearer realm="http://127.0.0.1:${port}/token",service="front.test",scope="repository:${repo}:pull"`,
      });
      res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
      return;
    }
    const from = url.searchParams.get('from');
    let path = req.url;
    if (from && !granted.get(bearer)!.some((s) => s === `repository:${from}:pull` || s.startsWith(`repository:${from}:pull,`))) {
      url.searchParams.delete('mount');
      url.searchParams.delete('from');
      path = `${url.pathname}${url.search}`;
    }
    const up = request({ host: '127.0.0.1', port: upstreamPort, method: req.method, path, headers: { ...req.headers, authorization: '' } }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    });
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as { port: number }).port;
  return {
    host: `127.0.0.1:${port}`,
    tokens,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

describe('Bearer token authentication', () => {
  let registry: LocalRegistry;
  beforeAll(async () => {
    registry = await startLocalRegistry();
    execFileSync('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `docker-archive:${join(fixtures, '01-base/image.tar')}`, `docker://${registry.host}/busybox:local`], { stdio: 'pipe' });
  }, 60_000);
  afterAll(async () => {
    await registry?.stop();
  });

  it('gets an anonymous token for the scope and service the challenge names, once per scope', async () => {
    const front = await startBearerFront(registry.port, { requireUser: false });
    try {
      const client = new RegistryClient();
      const ref = parseNormalizedNamed(`${front.host}/busybox:local`);
      const resolved = await client.resolve(ref);
      const config = new Uint8Array(await new Response(await client.fetchBlob(ref, resolved.manifest.config)).arrayBuffer());
      expect(`sha256:${createHash('sha256').update(config).digest('hex')}`).toBe(resolved.manifest.config.digest);
      expect(front.tokens).toEqual([{ query: { service: 'front.test', scope: 'repository:busybox:pull' }, scopes: ['repository:busybox:pull'], authorization: undefined }]);
    } finally {
      await front.close();
    }
  });

  it('sends the user to the token server with Basic credentials, and reports its refusal', async () => {
    const front = await startBearerFront(registry.port, { requireUser: true });
    try {
      const ref = parseNormalizedNamed(`${front.host}/busybox:local`);
      await expect(new RegistryClient().resolve(ref)).rejects.toThrow('unauthorized: incorrect username or password');
      const resolved = await new RegistryClient().resolve(ref, { auth: { username: 'alice', password: 'pw123' } });
      expect(resolved.manifest.layers.length).toBe(1);
      expect(front.tokens.at(-1)).toEqual({
        query: { service: 'front.test', scope: 'repository:busybox:pull', account: 'alice' },
        scopes: ['repository:busybox:pull'],
        authorization: `Basic ${Buffer.from('alice:pw123').toString('base64')}`,
      });
    } finally {
      await front.close();
    }
  });

  it('mounts a blob across repositories with a token that carries pull on the source repository too', async () => {
    const front = await startBearerFront(registry.port, { requireUser: false });
    try {
      const client = new RegistryClient();
      const source = parseNormalizedNamed(`${front.host}/mount/source:v1`);
      const target = parseNormalizedNamed(`${front.host}/mount/target:v1`);
      const blob = await client.putBlob(source, new TextEncoder().encode(`a blob to mount, ${Date.now()}`));
      expect(await client.hasBlob(target, blob.digest)).toBe(false);
      expect(await client.mountBlob(target, blob.digest, 'mount/source')).toBe(true);
      expect(await client.hasBlob(target, blob.digest)).toBe(true);
      const mountToken = front.tokens.find((t) => t.scopes.includes('repository:mount/source:pull'));
      expect(mountToken?.scopes).toEqual(['repository:mount/target:pull,push', 'repository:mount/source:pull']);
    } finally {
      await front.close();
    }
  });
});
