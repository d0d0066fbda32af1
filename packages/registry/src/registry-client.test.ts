import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { MediaType, type Reference, isStrataError, parseNormalizedNamed } from '@strata/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRegistry, startLocalRegistry } from './local-registry.js';
import { RegistryClient } from './registry-client.js';
import { type RegistryProxy, startRegistryProxy } from './registry-proxy.js';

const fixtures = join(import.meta.dirname, '../../../../shared/fixtures/images');
const inspectOf = (name: string) => JSON.parse(readFileSync(join(fixtures, name, 'inspect.json'), 'utf8'))[0] as { Id: string; RootFS: { Layers: string[] } };
const sha256 = (b: Uint8Array) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const utf8 = (s: string) => new TextEncoder().encode(s);

async function bytesOf(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const p of stream as unknown as AsyncIterable<Uint8Array>) parts.push(p);
  return new Uint8Array(Buffer.concat(parts));
}

function skopeoPush(fixture: string, dest: string, creds?: string): void {
  const args = ['copy', '--quiet', '--dest-tls-verify=false', ...(creds ? ['--dest-creds', creds] : []), `docker-archive:${join(fixtures, fixture, 'image.tar')}`, `docker://${dest}`];
  execFileSync('skopeo', args, { stdio: 'pipe' });
}

function skopeoRawManifest(ref: string): Buffer {
  return execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${ref}`]);
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

describe('RegistryClient against docker-registry', () => {
  let registry: LocalRegistry;
  let ref: Reference;
  const client = new RegistryClient();

  beforeAll(async () => {
    registry = await startLocalRegistry();
    skopeoPush('01-base', `${registry.host}/busybox:local`);
    ref = parseNormalizedNamed(`${registry.host}/busybox:local`);
  }, 60_000);
  afterAll(async () => {
    await registry?.stop();
  });

  it('resolves a tag to the schema 2 manifest skopeo pushed, config = image ID, layers hash to the diffIDs', async () => {
    const resolved = await client.resolve(ref);
    const raw = skopeoRawManifest(`${registry.host}/busybox:local`);
    expect(resolved.digest).toBe(sha256(raw));
    expect(Buffer.from(resolved.bytes).equals(raw)).toBe(true);
    expect(resolved.descriptor).toEqual({ mediaType: MediaType.dockerManifest, digest: sha256(raw), size: raw.length });
    const inspect = inspectOf('01-base');
    expect(resolved.manifest.config.digest).toBe(inspect.Id);
    const config = await bytesOf(await client.fetchBlob(ref, resolved.manifest.config));
    expect(sha256(config)).toBe(inspect.Id);
    const diffIds = [];
    for (const layer of resolved.manifest.layers) {
      let seen = 0;
      const blob = await bytesOf(await client.fetchBlob(ref, layer, { onBytes: (n) => (seen = n) }));
      expect(seen).toBe(layer.size);
      expect(sha256(blob)).toBe(layer.digest);
      diffIds.push(sha256(gunzipSync(blob)));
    }
    expect(diffIds).toEqual(inspect.RootFS.Layers);
  });

  it('resolves by digest and refuses a manifest whose bytes do not match the digest asked for', async () => {
    const { digest } = await client.resolve(ref);
    const byDigest = await client.resolve(parseNormalizedNamed(`${registry.host}/busybox@${digest}`));
    expect(byDigest.digest).toBe(digest);
    const other = `sha256:${'0'.repeat(64)}`;
    const err = await rejection(client.resolve(parseNormalizedNamed(`${registry.host}/busybox@${other}`)));
    expect(err.message).toBe(`manifest for ${registry.host}/busybox@${other} not found: manifest unknown: manifest unknown`);
  });

  it('says what dockerd says for a tag that does not exist', async () => {
    const err = await rejection(client.resolve(parseNormalizedNamed(`${registry.host}/nope:latest`)));
    expect(err.message).toBe(`manifest for ${registry.host}/nope:latest not found: manifest unknown: manifest unknown`);
    expect(isStrataError(err, 'not-found')).toBe(true);
  });

  it('picks the platform from a two-platform index (host default, --platform, no match)', async () => {
    const multi = parseNormalizedNamed(`${registry.host}/multi:v1`);
    const base = await client.resolve(ref);
    const configBytes = await bytesOf(await client.fetchBlob(ref, base.manifest.config));
    const armConfigDoc = { ...JSON.parse(new TextDecoder().decode(configBytes)), architecture: 'arm64', variant: 'v8' };
    const armConfig = utf8(JSON.stringify(armConfigDoc));
    // Blobs the index's manifests point at must be in the repository itself.
    for (const layer of base.manifest.layers) await client.putBlob(multi, await bytesOf(await client.fetchBlob(ref, layer)));
    await client.putBlob(multi, configBytes);
    await client.putBlob(multi, armConfig);
    const manifestFor = (config: Uint8Array) =>
      utf8(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociManifest, config: { mediaType: MediaType.ociConfig, digest: sha256(config), size: config.length }, layers: base.manifest.layers.map((l) => ({ ...l, mediaType: MediaType.ociLayerGzip })) }));
    const amd = manifestFor(configBytes);
    const arm = manifestFor(armConfig);
    await client.putManifest(multi, sha256(amd), MediaType.ociManifest, amd);
    await client.putManifest(multi, sha256(arm), MediaType.ociManifest, arm);
    const index = utf8(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.ociIndex,
        manifests: [
          { mediaType: MediaType.ociManifest, digest: sha256(arm), size: arm.length, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
          { mediaType: MediaType.ociManifest, digest: sha256(amd), size: amd.length, platform: { os: 'linux', architecture: 'amd64' } },
          { mediaType: MediaType.ociManifest, digest: sha256(amd), size: amd.length, platform: { os: 'unknown', architecture: 'unknown' } },
        ],
      }),
    );
    const indexDigest = await client.putManifest(multi, 'v1', MediaType.ociIndex, index);

    const amd64 = await client.resolve(multi, { platform: 'linux/amd64' });
    expect(amd64.digest).toBe(indexDigest);
    expect(amd64.descriptor.digest).toBe(sha256(amd));
    expect(amd64.manifest.config.digest).toBe(sha256(configBytes));
    const arm64 = await client.resolve(multi, { platform: 'linux/arm64' });
    expect(arm64.descriptor.digest).toBe(sha256(arm));
    expect(Buffer.from(arm64.bytes).equals(Buffer.from(arm))).toBe(true);
    const err = await rejection(client.resolve(multi, { platform: 'linux/s390x' }));
    expect(err.message).toBe('no matching manifest for linux/s390x in the manifest list entries');
    if (process.arch === 'x64') expect((await client.resolve(multi)).descriptor.digest).toBe(sha256(amd));
  });

  describe('through a proxy that misbehaves', () => {
    let proxy: RegistryProxy | undefined;
    afterAll(async () => {
      await proxy?.close();
    });

    it('resumes a dropped blob download with a Range request and still verifies it', async () => {
      proxy = await startRegistryProxy(registry.port, (_path, attempt) => (attempt === 1 ? { cutAfter: 100_000 } : 'pass'));
      const viaProxy = parseNormalizedNamed(`${proxy.host}/busybox:local`);
      const resolved = await client.resolve(viaProxy);
      const layer = resolved.manifest.layers[0];
      const blob = await bytesOf(await client.fetchBlob(viaProxy, layer));
      expect(sha256(blob)).toBe(layer.digest);
      const gets = proxy.requests.filter((r) => r.path.endsWith(`/blobs/${layer.digest}`));
      expect(gets.map((r) => r.range)).toEqual([undefined, 'bytes=100000-']);
      await proxy.close();
      proxy = undefined;
    });

    it('errors the stream when the bytes do not hash to the digest', async () => {
      proxy = await startRegistryProxy(registry.port, () => 'corrupt');
      const viaProxy = parseNormalizedNamed(`${proxy.host}/busybox:local`);
      const layer = (await client.resolve(viaProxy)).manifest.layers[0];
      const err = await rejection(bytesOf(await client.fetchBlob(viaProxy, layer)));
      expect(err.message).toBe(`filesystem layer verification failed for digest ${layer.digest}`);
    });
  });
});

describe('RegistryClient against docker-registry with htpasswd', () => {
  let registry: LocalRegistry;
  beforeAll(async () => {
    registry = await startLocalRegistry({ htpasswd: { alice: 'pw123' } });
    skopeoPush('01-base', `${registry.host}/busybox:local`, 'alice:pw123');
  }, 60_000);
  afterAll(async () => {
    await registry?.stop();
  });

  it('fails without credentials as dockerd does, and pulls with Basic credentials', async () => {
    const client = new RegistryClient();
    const ref = parseNormalizedNamed(`${registry.host}/busybox:local`);
    const err = await rejection(client.resolve(ref));
    expect(err.message).toBe(`Get "http://${registry.host}/v2/busybox/manifests/local": no basic auth credentials`);
    const wrong = await rejection(client.resolve(ref, { auth: { username: 'alice', password: 'nope' } }));
    expect(wrong.message).toBe(`Get "http://${registry.host}/v2/busybox/manifests/local": unauthorized: authentication required`);
    const resolved = await client.resolve(ref, { auth: { username: 'alice', password: 'pw123' } });
    expect(resolved.manifest.config.digest).toBe(inspectOf('01-base').Id);
    const config = await bytesOf(await client.fetchBlob(ref, resolved.manifest.config, { auth: { username: 'alice', password: 'pw123' } }));
    expect(sha256(config)).toBe(inspectOf('01-base').Id);
  });
});
