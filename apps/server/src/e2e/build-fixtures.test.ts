import { readFileSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTar } from '@strata/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturesDir } from '../captureFixtures.js';
import { archiveMember, fixtureImage } from './fixtureImages.js';
import { startStratad, type StratadProcess } from './stratadProcess.js';
import { containerE2eSkipReason } from './containerE2eSkip.js';

const skipReason = containerE2eSkipReason([], 'RUN steps need root here');
if (skipReason) console.log(`build fixtures e2e skipped: ${skipReason}`);

const classic = { env: { DOCKER_BUILDKIT: '0' }, timeoutMs: 120_000 };
const kinds: Record<string, string> = { file: 'file', directory: 'dir', symlink: 'symlink', hardlink: 'hardlink', fifo: 'fifo', char: 'chardev', block: 'blockdev' };

/**
 * One line per tar header: type, mode field, owner, size, name and link, as layers.txt lists them.
 * Timestamps are left out; user names only for uid 0 (Docker takes the others from the build host's /etc/passwd).
 */
function fixtureLayers(name: string): string[][] {
  const layers: string[][] = [];
  for (const line of readFileSync(join(fixturesDir, 'images', name, 'layers.txt'), 'utf8').split('\n')) {
    if (line.startsWith('=== layer')) layers.push([]);
    const m = /^ {2}(\w+)\s+\S+ mode-field=(\d+) (\d+):(\d+) uname='([^']*)' gname='[^']*' size=(\d+)\s+mtime=\S+ (\S+)(?: -> (\S+)| => hardlink to (\S+)| dev (\d+),(\d+))?/.exec(line);
    if (m) layers.at(-1)!.push(`${m[1]} ${m[2]} ${m[3]}:${m[4]} ${m[3] === '0' ? m[5] : ''} ${m[6]} ${m[7]}${m[8] ? ` -> ${m[8]}` : ''}${m[9] ? ` => ${m[9]}` : ''}${m[10] ? ` dev ${m[10]},${m[11]}` : ''}`);
    const pax = /^ {11}pax: (.*)$/.exec(line);
    if (pax) layers.at(-1)!.push(`pax ${Object.keys(JSON.parse(pax[1]) as object).join(',')}`);
  }
  return layers;
}

async function savedLayers(tarPath: string): Promise<string[][]> {
  const manifest = JSON.parse(archiveMember(tarPath, 'manifest.json').toString('utf8')) as Array<{ Layers: string[] }>;
  const out: string[][] = [];
  for (const member of manifest[0].Layers) {
    const bytes = archiveMember(tarPath, member);
    const lines: string[] = [];
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new Uint8Array(bytes));
        c.close();
      },
    });
    for await (const e of readTar(stream)) {
      await e.body.cancel();
      const uname = e.uid === 0 ? e.uname : '';
      const link = e.type === 'symlink' ? ` -> ${e.linkname}` : e.type === 'hardlink' ? ` => ${e.linkname}` : '';
      const dev = e.type === 'char' || e.type === 'block' ? ` dev ${e.devmajor},${e.devminor}` : '';
      lines.push(`${kinds[e.type] ?? e.type} ${e.rawMode.toString(8).padStart(7, '0')} ${e.uid}:${e.gid} ${uname} ${e.size} ${e.path}${link}${dev}`);
      const keys = Object.keys(e.pax).filter((k) => k.startsWith('SCHILY.'));
      if (keys.length) lines.push(`pax ${keys.join(',')}`);
    }
    out.push(lines);
  }
  return out;
}

// 05's COPY/ADD hashes cover the build host's security.capability xattr on the context files, which git does not keep.
const comparableCreatedBy = (name: string, s: string): string => (name === '05-perms' ? s.replace(/file:[0-9a-f]{64}/, 'file:<xattr-dependent>') : s);

describe.skipIf(skipReason !== '')('docker build of the fixture Dockerfiles (classic builder, RUN in containers)', () => {
  let daemon: StratadProcess;
  let dir: string;
  beforeAll(async () => {
    daemon = await startStratad();
    dir = await mkdtemp(join(tmpdir(), 'strata-build-fixtures-'));
    expect((await daemon.docker(['load', '-i', fixtureImage('01-base').tar])).code).toBe(0);
  });
  afterAll(async () => {
    await daemon?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  for (const name of ['02-whiteout', '03-opaque', '04-links', '05-perms', '06-multistage', '07-metadata']) {
    it(`${name}: layers entry by entry, history, and a rebuild entirely from the cache`, async () => {
      const ctx = join(dir, name);
      await mkdir(ctx);
      await copyFile(join(fixturesDir, 'images', name, 'Dockerfile'), join(ctx, 'Dockerfile'));
      if (name === '05-perms') {
        for (const f of ['capfile', 'capfile.tar']) {
          await copyFile(join(fixturesDir, 'images', name, 'context', f), join(ctx, f));
          // The fixture copy is read-only; the build host had 0644.
          await chmod(join(ctx, f), 0o644);
        }
      }
      const tag = `built/${name}:v1`;
      const first = await daemon.docker(['build', '--network', 'none', '-t', tag, ctx], classic);
      expect(first.code, first.stdout + first.stderr).toBe(0);
      const steps = first.stdout.split('\n').filter((l) => l.startsWith('Step '));

      const saved = join(dir, `${name}.tar`);
      expect((await daemon.docker(['save', '-o', saved, tag])).code).toBe(0);
      expect(await savedLayers(saved)).toEqual(fixtureLayers(name));

      const history = await daemon.docker(['history', '--no-trunc', '--format', '{{json .}}', tag]);
      const ours = history.stdout.trim().split('\n').map((l) => JSON.parse(l) as { CreatedBy: string; Size: string });
      const theirs = fixtureImage(name).history;
      expect(ours.map((h) => comparableCreatedBy(name, h.CreatedBy))).toEqual(theirs.map((h) => comparableCreatedBy(name, h.CreatedBy)));
      expect(ours.map((h) => h.Size)).toEqual(theirs.map((h) => h.Size));

      const again = await daemon.docker(['build', '--network', 'none', '-t', tag, ctx], classic);
      expect(again.code).toBe(0);
      const cached = again.stdout.split('\n').filter((l) => l === ' ---> Using cache').length;
      expect(cached).toBe(steps.filter((l) => !/^Step \d+\/\d+ : FROM /.test(l)).length);
      expect(again.stdout).not.toContain('Running in');
    });
  }

  it('a changed file rebuilds its COPY and every step after it, nothing before', async () => {
    const ctx = join(dir, 'touch');
    await mkdir(ctx);
    await writeFile(join(ctx, 'Dockerfile'), 'FROM busybox:local\nRUN echo one > /one\nCOPY a.txt /a.txt\nRUN cat /a.txt > /copy\nCOPY b.txt /b.txt\nCMD ["cat", "/b.txt"]\n');
    await writeFile(join(ctx, 'a.txt'), 'a\n');
    await writeFile(join(ctx, 'b.txt'), 'b\n');
    expect((await daemon.docker(['build', '-t', 'touch:v1', ctx], classic)).code).toBe(0);
    await writeFile(join(ctx, 'b.txt'), 'b changed\n');
    const r = await daemon.docker(['build', '-t', 'touch:v1', ctx], classic);
    expect(r.code).toBe(0);
    const marks = r.stdout.split('\n').filter((l) => l.startsWith('Step ') || l === ' ---> Using cache').map((l) => (l.startsWith('Step ') ? l.split(' ')[1] : 'cache'));
    expect(marks).toEqual(['1/6', '2/6', 'cache', '3/6', 'cache', '4/6', 'cache', '5/6', '6/6']);
    const run = await daemon.docker(['run', '--rm', 'touch:v1']);
    expect(run.stdout).toBe('b changed\n');
  });

  it('RUN and COPY heredocs run as BuildKit runs them (dockerd 20.10 classic builder misreads them), nothing of /dev/pipes in a layer', async () => {
    const ctx = join(dir, 'heredoc');
    await mkdir(ctx);
    const dockerfile = [
      'FROM busybox:local',
      'ARG WHO=arg',
      'RUN <<EOF',
      'echo "one $WHO" > /one',
      'EOF',
      'RUN <<-EOT sh',
      '\techo two > /two',
      '\tEOT',
      "RUN cat <<A > /a && cat <<'B' > /b",
      'a $WHO',
      'A',
      'b $WHO',
      'B',
      'RUN <<script',
      '#!/bin/sh',
      'echo "from $0" > /three',
      'script',
      'COPY <<EOF /four',
      'four $WHO',
      'EOF',
      'CMD cat /one /two /a /b /three /four',
      '',
    ].join('\n');
    await writeFile(join(ctx, 'Dockerfile'), dockerfile);
    const r = await daemon.docker(['build', '--network', 'none', '-t', 'heredoc:v1', ctx], classic);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('Step 3/8 : RUN <<EOF\n');
    const run = await daemon.docker(['run', '--rm', 'heredoc:v1']);
    expect(run.stdout).toBe('one arg\ntwo\na arg\nb $WHO\nfrom /dev/pipes/script\nfour arg\n');
    const history = await daemon.docker(['history', '--no-trunc', '--format', '{{.CreatedBy}}', 'heredoc:v1']);
    expect(history.stdout.split('\n')).toContain('|1 WHO=arg /bin/sh -c /dev/pipes/script');
    const saved = join(dir, 'heredoc.tar');
    expect((await daemon.docker(['save', '-o', saved, 'heredoc:v1'])).code).toBe(0);
    const layers = await savedLayers(saved);
    expect(layers.slice(1).map((l) => l.map((e) => e.split(' ').at(-1)))).toEqual([['one'], ['two'], ['a', 'b'], ['three'], ['four']]);
    const again = await daemon.docker(['build', '--network', 'none', '-t', 'heredoc:v1', ctx], classic);
    expect(again.stdout.split('\n').filter((l) => l === ' ---> Using cache')).toHaveLength(7);
    await writeFile(join(ctx, 'Dockerfile'), dockerfile.replace('echo "from $0"', 'echo "changed $0"'));
    const changed = await daemon.docker(['build', '--network', 'none', '-t', 'heredoc:v1', ctx], classic);
    expect(changed.stdout.split('\n').filter((l) => l === ' ---> Using cache')).toHaveLength(4);
  });

  it('a failing RUN prints its stderr and the classic message, exits with its code, and leaves no container or tag', async () => {
    const ctx = join(dir, 'fail');
    await mkdir(ctx);
    await writeFile(join(ctx, 'Dockerfile'), 'FROM busybox:local\nRUN echo oops >&2; exit 7\n');
    const r = await daemon.docker(['build', '--network', 'none', '-t', 'failing', ctx], classic);
    expect(r.code).toBe(7);
    expect(r.stdout).toMatch(/Step 2\/2 : RUN echo oops >&2; exit 7\n ---> Running in [0-9a-f]{12}\n\u001b\[91moops\n\u001b\[0m$/);
    expect(r.stderr).toContain("The command '/bin/sh -c echo oops >&2; exit 7' returned a non-zero code: 7");
    expect((await daemon.docker(['ps', '-aq'])).stdout).toBe('');
    expect((await daemon.docker(['image', 'inspect', 'failing'])).code).toBe(1);
  });
});
