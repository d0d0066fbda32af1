// docker pull against a registry that misbehaves (through a loopback proxy) and a stratad killed
// mid-download: each failure gets its message and leaves the data root as it was.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { MediaType, parseNormalizedNamed } from '@strata/core';
import { type LocalRegistry, type RegistryProxy, RegistryClient, startLocalRegistry, startRegistryProxy } from '@strata/registry';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dockerBinary } from '../dockerCli.js';
import { fixtureImage } from './fixtureImages.js';
import { startStratad, type StratadProcess } from './stratadProcess.js';
import { treeListing } from './treeListing.js';

const sha256 = (b: Uint8Array) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const utf8 = (s: string) => new TextEncoder().encode(s);

/** Every path under `root` whose name holds `hex`, outside the staging dir a restart empties. */
async function filesNamed(root: string, hex: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string, rel: string) => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const path = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(join(dir, e.name), path);
      else if (e.name.includes(hex)) found.push(path);
    }
  };
  await walk(root, '');
  return found;
}

describe.skipIf(!dockerBinary)('docker pull from a registry that misbehaves', () => {
  let registry: LocalRegistry;
  let daemon: StratadProcess;
  let proxy: RegistryProxy | undefined;
  let work: string;
  const client = new RegistryClient();
  /** The 8 MB single-layer image the interrupted pull fetches. */
  let big: { layer: string; config: string };
  let busyboxDigest: string;

  beforeAll(async () => {
    registry = await startLocalRegistry();
    work = await mkdtemp(join(tmpdir(), 'strata-bad-registry-'));
    execFileSync('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `docker-archive:${fixtureImage('01-base').tar}`, `docker://${registry.host}/busybox:local`]);
    busyboxDigest = (await client.resolve(parseNormalizedNamed(`${registry.host}/busybox:local`))).digest;

    // A layer of incompressible bytes, so the download takes 8 MB of wire.
    await mkdir(join(work, 'rootfs'));
    await writeFile(join(work, 'rootfs', 'blob.bin'), randomBytes(8 << 20));
    const tar = execFileSync('tar', ['-C', join(work, 'rootfs'), '--owner=0', '--group=0', '--mtime=@0', '-cf', '-', 'blob.bin'], { maxBuffer: 64 << 20 });
    const layer = gzipSync(tar);
    const config = utf8(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['/bin/sh'] }, rootfs: { type: 'layers', diff_ids: [sha256(tar)] }, history: [{ created_by: 'test' }] }));
    const ref = parseNormalizedNamed(`${registry.host}/big:v1`);
    await client.putBlob(ref, layer);
    await client.putBlob(ref, config);
    const manifest = utf8(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.dockerManifest,
        config: { mediaType: MediaType.dockerConfig, digest: sha256(config), size: config.length },
        layers: [{ mediaType: MediaType.dockerLayerGzip, digest: sha256(layer), size: layer.length }],
      }),
    );
    await client.putManifest(ref, 'v1', MediaType.dockerManifest, manifest);
    big = { layer: sha256(layer), config: sha256(config) };
    daemon = await startStratad([], join(work, 'daemon'));
  }, 120_000);
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
  });
  afterAll(async () => {
    await daemon?.dispose();
    await registry?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  /** Pull `name` expecting a failure with `stderr`; the data root and the image list stay as they were. */
  async function failsCleanly(name: string, stderr: string) {
    const before = await treeListing(daemon.dataRoot, { exclude: ['stratad.sock'] });
    const images = (await daemon.docker(['images', '-a', '--digests'])).stdout;
    const r = await daemon.docker(['pull', name]);
    expect(r.stderr).toBe(stderr);
    expect(r.code).toBe(1);
    expect((await daemon.docker(['images', '-a', '--digests'])).stdout).toBe(images);
    expect(await treeListing(daemon.dataRoot, { exclude: ['stratad.sock'] })).toEqual(before);
  }

  it('a manifest whose bytes do not match the digest asked for', async () => {
    const other = utf8(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.dockerManifest, config: { mediaType: MediaType.dockerConfig, digest: big.config, size: 1 }, layers: [] }));
    proxy = await startRegistryProxy(registry.port, () => 'pass', (path) => (path.endsWith(busyboxDigest) ? { body: other, contentType: MediaType.dockerManifest } : undefined));
    await failsCleanly(`${proxy.host}/busybox@${busyboxDigest}`, `Error response from daemon: manifest verification failed for digest ${busyboxDigest}\n`);
  });

  it('an index entry whose size does not match the manifest it names', async () => {
    const manifest = await client.fetchManifest(parseNormalizedNamed(`${registry.host}/busybox:local`), busyboxDigest);
    const index = utf8(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.dockerManifestList,
        manifests: [{ mediaType: MediaType.dockerManifest, digest: busyboxDigest, size: manifest.bytes.byteLength + 1, platform: { os: 'linux', architecture: 'amd64' } }],
      }),
    );
    proxy = await startRegistryProxy(registry.port, () => 'pass', (path) => (path.endsWith('/manifests/sized') ? { body: index, contentType: MediaType.dockerManifestList } : undefined));
    await failsCleanly(`${proxy.host}/busybox:sized`, `Error response from daemon: manifest verification failed for digest ${busyboxDigest}\n`);
  });

  it('a manifest that is not JSON (an HTML error page)', async () => {
    const page = utf8('<html><body>502 Bad Gateway</body></html>');
    proxy = await startRegistryProxy(registry.port, () => 'pass', () => ({ body: page, contentType: MediaType.dockerManifest }));
    await failsCleanly(`${proxy.host}/busybox:local`, `Error response from daemon: invalid character '<' looking for beginning of value\n`);
  });

  it('a manifest larger than the 4 MiB dockerd accepts', async () => {
    const huge = utf8(`{"schemaVersion":2,"pad":"${'x'.repeat(5 << 20)}"}`);
    proxy = await startRegistryProxy(registry.port, () => 'pass', () => ({ body: huge, contentType: MediaType.dockerManifest }));
    await failsCleanly(`${proxy.host}/busybox:local`, `Error response from daemon: manifest too large: ${huge.byteLength} bytes (limit ${4 << 20})\n`);
  });

  it('a registry that drops every blob download halfway', async () => {
    proxy = await startRegistryProxy(registry.port, (path) => (path.endsWith(big.layer) ? { cutAfter: 1 << 20 } : 'pass'));
    const before = await treeListing(daemon.dataRoot, { exclude: ['stratad.sock'] });
    const r = await daemon.docker(['pull', `${proxy.host}/big:v1`]);
    expect(r.code).toBe(1);
    // The first try and each Range retry were cut: the pull gives up as Go's reader does.
    expect(r.stderr).toBe('unexpected EOF\n');
    const ranges = proxy.requests.filter((q) => q.path.endsWith(big.layer)).map((q) => q.range);
    expect(ranges[0]).toBeUndefined();
    // Three resumptions, each from further on (how much of each cut reply arrived is the kernel's business).
    const offsets = ranges.slice(1).map((r) => Number(/^bytes=(\d+)-$/.exec(r ?? '')?.[1]));
    expect(offsets).toHaveLength(3);
    expect(offsets.every((o, i) => o > (i === 0 ? 0 : offsets[i - 1]))).toBe(true);
    expect(await treeListing(daemon.dataRoot, { exclude: ['stratad.sock'] })).toEqual(before);
    expect((await daemon.docker(['images', '-q'])).stdout).toBe('');
  });

  it('a pull interrupted by kill -9 of stratad resumes cleanly on the next pull', async () => {
    proxy = await startRegistryProxy(registry.port, (path, attempt) => (path.endsWith(big.layer) && attempt === 1 ? { stallAfter: 3 << 20 } : 'pass'));
    const stalled = proxy.nextStall();
    const pulling = daemon.docker(['pull', `${proxy.host}/big:v1`]);
    await stalled;
    // 3 MB of the layer are in stratad's hands (staged, not committed) when it dies.
    process.kill(daemon.pid, 'SIGKILL');
    const cut = await pulling;
    expect(cut.code).not.toBe(0);
    expect((await daemon.stop()).signal).toBe('SIGKILL');
    const hex = big.layer.slice(7);
    // No blob of that digest was committed, no record names the image.
    expect((await filesNamed(daemon.dataRoot, hex)).filter((p) => !p.startsWith('tmp/'))).toEqual([]);
    expect(await filesNamed(daemon.dataRoot, big.config.slice(7))).toEqual([]);

    daemon = await startStratad([], join(work, 'daemon'));
    expect((await daemon.docker(['images', '-a', '-q'])).stdout).toBe('');
    // The restarted owner emptied the staging dir the dead one left.
    expect(await readdir(join(daemon.dataRoot, 'tmp'))).toEqual([]);
    const again = await daemon.docker(['pull', `${proxy.host}/big:v1`]);
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`${big.layer.slice(7, 19)}: Pull complete\n`);
    const inspect = JSON.parse((await daemon.docker(['image', 'inspect', `${proxy.host}/big:v1`])).stdout)[0];
    expect(inspect.Id).toBe(big.config);
    expect(inspect.Size).toBe(8 << 20);
    expect(await filesNamed(daemon.dataRoot, hex)).toContain(`content/blobs/sha256/${hex}`);
  }, 60_000);
});
