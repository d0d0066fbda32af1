// docker build (classic builder) with sources that are not in the context: ADD <url> from an HTTP
// server on 127.0.0.1, and FROM an image stratad lacks, pulled from a docker-registry on 127.0.0.1.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTar } from '@strata/core';
import { type LocalRegistry, startLocalRegistry } from '@strata/registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capturedOutput } from '../captureFixtures.js';
import { dockerBinary } from '../dockerCli.js';
import { archiveMember, fixtureImage } from './fixtureImages.js';
import { startStratad, type StratadProcess } from './stratadProcess.js';

const classic = { env: { DOCKER_BUILDKIT: '0' }, timeoutMs: 60_000 };
const buildLines = (stdout: string): string[] => stdout.split('\n').filter((l) => l !== '' && !l.startsWith('Sending build context'));

/** Each saved layer as `type mode uid:gid size mtime path` lines. */
async function savedLayers(tarPath: string): Promise<string[][]> {
  const manifest = JSON.parse(archiveMember(tarPath, 'manifest.json').toString('utf8')) as Array<{ Layers: string[] }>;
  const out: string[][] = [];
  for (const member of manifest[0].Layers) {
    const bytes = new Uint8Array(archiveMember(tarPath, member));
    const lines: string[] = [];
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(bytes);
        c.close();
      },
    });
    for await (const e of readTar(stream)) {
      await e.body.cancel();
      lines.push(`${e.type} ${e.rawMode.toString(8)} ${e.uid}:${e.gid} ${e.size} ${e.mtime} ${e.path}`);
    }
    out.push(lines);
  }
  return out;
}

describe.skipIf(!dockerBinary)('docker build with ADD <url> and FROM a registry image (classic builder)', () => {
  let daemon: StratadProcess;
  let registry: LocalRegistry | undefined;
  let server: Server;
  let base = '';
  let dir: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/files/tool.tar.gz') {
        res.writeHead(200, { 'Last-Modified': 'Tue, 14 Nov 2023 22:13:20 GMT' });
        // gzip magic: ADD of a URL must not unpack it.
        res.end(Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00]));
      } else {
        res.writeHead(404);
        res.end('no such file\n');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    daemon = await startStratad();
    dir = await mkdtemp(join(tmpdir(), 'strata-build-remote-'));
  }, 60_000);
  afterAll(async () => {
    await daemon?.dispose();
    await registry?.stop();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('FROM an image that is not local pulls it, printing the pull as docker pull does (first, on an empty store)', async (ctx) => {
    try {
      registry = await startLocalRegistry();
    } catch (e) {
      ctx.skip(`no docker-registry here: ${(e as Error).message}`);
      return;
    }
    execFileSync('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `docker-archive:${fixtureImage('01-base').tar}`, `docker://${registry.host}/busybox:local`], { stdio: 'pipe' });
    const digest = execFileSync('skopeo', ['inspect', '--format', '{{.Digest}}', '--tls-verify=false', `docker://${registry.host}/busybox:local`]).toString().trim();
    const layers = JSON.parse(execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${registry.host}/busybox:local`]).toString()).layers as Array<{ digest: string }>;
    const layer = layers[0].digest.slice(7, 19);
    const context = join(dir, 'pull');
    await mkdir(context);
    await writeFile(join(context, 'Dockerfile'), `FROM ${registry.host}/busybox:local\nENV PULLED=yes\n`);
    const r = await daemon.docker(['build', '-t', 'pulled:v1', context], classic);
    expect(r.code, r.stderr).toBe(0);
    // pull.txt without its last line (the CLI's own echo of the reference).
    const pull = capturedOutput('pull')
      .slice(0, -1)
      .map((l) => l.replaceAll('127.0.0.1:5000', registry!.host).replaceAll('ea98646956a9', layer).replace(/sha256:[0-9a-f]{64}/, digest));
    const lines = buildLines(r.stdout);
    expect(lines.slice(0, pull.length + 2)).toEqual([`Step 1/2 : FROM ${registry.host}/busybox:local`, ...pull, ' ---> d9d3d3752bd1']);
    const inspect = JSON.parse((await daemon.docker(['image', 'inspect', `${registry.host}/busybox:local`])).stdout)[0];
    expect(inspect.RepoDigests).toEqual([`${registry.host}/busybox@${digest}`]);
    const again = await daemon.docker(['build', '-t', 'pulled:v1', context], classic);
    expect(buildLines(again.stdout).slice(0, 3)).toEqual([`Step 1/2 : FROM ${registry.host}/busybox:local`, ' ---> d9d3d3752bd1', 'Step 2/2 : ENV PULLED=yes']);
  });
  it('ADD <url> names the file after the URL, mode 0600, Last-Modified as mtime, not unpacked; a rebuild uses the cache', async () => {
    expect((await daemon.docker(['load', '-i', fixtureImage('01-base').tar])).code).toBe(0);
    const ctx = join(dir, 'url');
    await mkdir(ctx);
    await writeFile(join(ctx, 'Dockerfile'), `FROM busybox:local\nADD ${base}/files/tool.tar.gz /dl/\n`);
    const r = await daemon.docker(['build', '-t', 'url:v1', ctx], classic);
    expect(r.code, r.stderr).toBe(0);
    const saved = join(dir, 'url.tar');
    expect((await daemon.docker(['save', '-o', saved, 'url:v1'])).code).toBe(0);
    const layers = await savedLayers(saved);
    expect(layers[1]).toEqual([expect.stringMatching(/^directory 40755 0:0 0 \d+ dl\/$/), 'file 100600 0:0 8 1700000000 dl/tool.tar.gz']);
    const again = await daemon.docker(['build', '-t', 'url:v1', ctx], classic);
    expect(buildLines(again.stdout).filter((l) => l === ' ---> Using cache')).toHaveLength(1);
  });

  it('ADD <url> of a missing file fails with the classic message and exit code 1', async () => {
    const ctx = join(dir, 'missing');
    await mkdir(ctx);
    await writeFile(join(ctx, 'Dockerfile'), `FROM busybox:local\nADD ${base}/missing.txt /x\n`);
    const r = await daemon.docker(['build', '-t', 'missing:v1', ctx], classic);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`failed to GET ${base}/missing.txt with status 404 Not Found: no such file`);
    expect((await daemon.docker(['image', 'inspect', 'missing:v1'])).code).toBe(1);
  });

});
