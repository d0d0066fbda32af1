// docker diff, commit, export and cp through the real docker CLI against stratad, checked against the
// fixtures' recordings of a real dockerd and, where a recording cannot say it, against a private dockerd.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTar, tarEntry, writeTar, type TarEntry } from '@strata/core';
import { fixturesDir } from '../captureFixtures.js';
import { runDocker, startDockerd, type Dockerd } from '../testing/dockerd.js';
import { fixtureNames } from './fixtureImages.js';
import { socketRequest } from './socketRequest.js';
import { startStratad, type StratadProcess } from './stratadProcess.js';
import { containerE2eSkipReason } from './containerE2eSkip.js';

const skipReason = containerE2eSkipReason();
if (skipReason) console.log(`container files e2e skipped: ${skipReason}`);

const images = join(fixturesDir, 'images');

/** The `docker run` argv recorded in a fixture's container-command.txt (a shell-quoted line), split by bash itself. */
function recordedRun(fixture: string): string[] {
  const line = readFileSync(join(images, fixture, 'container-command.txt'), 'utf8').split('\n')[1].replace(/^# docker /, '');
  const words = execFileSync('bash', ['-c', 'eval "set -- $LINE"; printf "%s\\0" "$@"'], { env: { LINE: line } }).toString('utf8');
  return words.split('\0').slice(0, -1);
}

const sortedLines = (text: string) => text.split('\n').filter(Boolean).sort((a, b) => (a.slice(2) < b.slice(2) ? -1 : a.slice(2) > b.slice(2) ? 1 : 0));

/** `tar -tv` columns that do not depend on when the container ran: mode, owner, size, name (and link). */
const listingFacts = (text: string) =>
  text
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const f = l.split(/\s+/);
      return [f[0], f[1], f[2], ...f.slice(5)].join(' ');
    });

/** Every header of a tar, minus the times (and bodies). */
async function tarHeaders(bytes: Uint8Array): Promise<Array<Partial<TarEntry>>> {
  const out: Array<Partial<TarEntry>> = [];
  const stream = new ReadableStream<Uint8Array>({ start: (c) => (c.enqueue(bytes), c.close()) });
  for await (const e of readTar(stream)) {
    await e.body.cancel();
    out.push({ path: e.path, type: e.type, rawMode: e.rawMode, uid: e.uid, gid: e.gid, uname: e.uname, gname: e.gname, size: e.size, linkname: e.linkname, pax: e.pax });
  }
  return out;
}

/** A host tree as lines `type mode uid:gid size path [target|content]`, for comparing what docker cp wrote. */
async function hostTree(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await readdir(join(dir, rel))).sort()) {
    const path = join(dir, rel, name);
    const st = await lstat(path);
    const type = st.isDirectory() ? 'd' : st.isSymbolicLink() ? 'l' : 'f';
    const extra = st.isSymbolicLink() ? await readlink(path) : st.isFile() ? JSON.stringify(await readFile(path, 'utf8')) : '';
    out.push(`${type} ${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid} ${st.isDirectory() ? '-' : st.size} ${join(rel, name)} ${extra}`);
    if (st.isDirectory()) out.push(...(await hostTree(dir, join(rel, name))));
  }
  return out;
}

/** A tar made of `entries` (bodies as text). */
async function tarOf(entries: Array<Parameters<typeof tarEntry>[0] & { text?: string }>): Promise<Uint8Array> {
  const withBodies = entries.map(({ text, ...init }) => {
    const body = text === undefined ? undefined : new TextEncoder().encode(text);
    return { ...tarEntry({ ...init, size: body?.byteLength ?? 0 }), body };
  });
  return new Uint8Array(await new Response(writeTar(withBodies, { mode: 'fresh' })).arrayBuffer());
}

/** Containers keep their root mounted; stratad's temp dir can only go once they are removed. */
async function removeAllContainers(daemon: StratadProcess | undefined): Promise<void> {
  if (!daemon) return;
  const ids = (await daemon.docker(['ps', '-a', '-q'])).stdout.split('\n').filter(Boolean);
  if (ids.length > 0) await daemon.docker(['rm', '-f', ...ids], { timeoutMs: 60_000 });
}

describe.skipIf(skipReason !== '')('a container\'s files through the real docker CLI', () => {
  let daemon: StratadProcess;
  let work: string;
  const docker = (...args: string[]) => daemon.docker(args, { timeoutMs: 60_000 });

  beforeAll(async () => {
    daemon = await startStratad();
    work = await mkdtemp(join(tmpdir(), 'strata-files-'));
    for (const f of fixtureNames) expect((await docker('load', '-i', join(images, f, 'image.tar'))).code).toBe(0);
    for (const f of fixtureNames) {
      const r = await docker(...recordedRun(f));
      expect(r.code, `${f}: ${r.stderr}`).toBe(0);
    }
  }, 180_000);

  afterAll(async () => {
    await removeAllContainers(daemon);
    await daemon?.dispose();
    if (work) await rm(work, { recursive: true, force: true });
  });

  describe('docker diff', () => {
    for (const f of fixtureNames) {
      it(`${f}: the lines of container-diff.sorted.txt`, async () => {
        const r = await docker('diff', `fx-${f}`);
        expect(r.code).toBe(0);
        let expected = sortedLines(readFileSync(join(images, f, 'container-diff.sorted.txt'), 'utf8'));
        // dockerd creates a volume's mount point in the writable layer (A /data); without volume support the
        // container has no mount there, so the recorded run could not write into it either.
        if (f === '07-metadata') {
          const mounts = JSON.parse((await docker('inspect', '-f', '{{json .Mounts}}', `fx-${f}`)).stdout) as unknown[] | null;
          const volumes = Object.keys(JSON.parse((await docker('image', 'inspect', '-f', '{{json .Config.Volumes}}', `fixture/${f}:v1`)).stdout) as Record<string, unknown>);
          expect(volumes).toEqual(['/cache', '/data']);
          if ((mounts ?? []).length === 0) expected = expected.filter((l) => !volumes.includes(l.slice(2)));
        }
        expect(sortedLines(r.stdout)).toEqual(expected);
      });
    }

    it('works on a running container and never shows the mount placeholders', async () => {
      const run = await docker('run', '-d', '--name', 'live', 'busybox:local', 'sh', '-c', 'echo x > /etc/hostname2; rm /bin/rm; mkdir -p /data/sub && echo a > /data/sub/f.txt; touch /bin/cat; exec sleep 300');
      expect(run.code).toBe(0);
      try {
        // The same changes as the diff capture (there made on a real dockerd): /etc is the init layer's, so it is C.
        const expected = readFileSync(join(fixturesDir, 'docker-api-captures/diff.txt'), 'utf8').split('## wire log')[0].split('\n').filter((l) => /^[ACD] \//.test(l));
        await expect.poll(async () => (await docker('diff', 'live')).stdout.split('\n').filter(Boolean), { timeout: 10_000 }).toEqual(expected);
      } finally {
        await docker('rm', '-f', 'live');
      }
    });

    it('a missing container is No such container', async () => {
      const r = await docker('diff', 'nope');
      expect([r.code, r.stderr]).toEqual([1, 'Error response from daemon: No such container: nope\n']);
    });
  });

  describe('docker export', () => {
    for (const f of fixtureNames) {
      it(`${f}: the modes, owners, sizes and names of container-export-tvf.txt`, async () => {
        const out = join(work, `export-${f}.tar`);
        const r = await docker('export', `fx-${f}`, '-o', out);
        expect(r.code).toBe(0);
        // Owner names come from the host's user database (uid 1000 had none where the fixtures were made): compare IDs.
        const listing = execFileSync('tar', ['--numeric-owner', '-tvf', out], { env: { TZ: 'UTC' } }).toString('utf8');
        let expected = listingFacts(readFileSync(join(images, f, 'container-export-tvf.txt'), 'utf8').replaceAll(' root/root ', ' 0/0 '));
        const mounts = JSON.parse((await docker('inspect', '-f', '{{json .Mounts}}', `fx-${f}`)).stdout) as unknown[] | null;
        // Without volumes the recorded run made no mount points (dockerd makes /cache and /data for 07's VOLUMEs).
        if (f === '07-metadata' && (mounts ?? []).length === 0) expected = expected.filter((l) => !/ (cache|data)\/$/.test(l));
        expect(listingFacts(listing)).toEqual(expected);
      });
    }

    it('a container never started (busybox:local has no /etc): the image plus the init layer, /etc included', async () => {
      expect((await docker('create', '--name', 'never-started', 'busybox:local', 'true')).code).toBe(0);
      try {
        const out = join(work, 'export-never-started.tar');
        const r = await docker('export', 'never-started', '-o', out);
        expect([r.code, r.stderr]).toEqual([0, '']);
        const names = execFileSync('tar', ['-tf', out]).toString('utf8').split('\n').filter(Boolean);
        expect(names.filter((n) => !n.startsWith('bin/'))).toEqual([
          '.dockerenv', 'dev/', 'dev/console', 'dev/pts/', 'dev/shm/',
          'etc/', 'etc/hostname', 'etc/hosts', 'etc/mtab', 'etc/resolv.conf', 'proc/', 'sys/',
        ]);
        expect(names).toContain('bin/busybox');
      } finally {
        await docker('rm', 'never-started');
      }
    });
  });

  describe('docker cp', () => {
    it('copies out a file, a directory, a directory\'s contents (/.), a renamed file', async () => {
      const out = join(work, 'cp-out');
      await mkdir(out);
      for (const args of [['fx-01-base:/newdir', `${out}/`], ['fx-01-base:/newdir/.', `${out}/dot`], ['fx-01-base:/new-file.txt', `${out}/renamed.txt`], ['fx-04-links:/links/abs-symlink', `${out}/link`]]) {
        const r = await docker('cp', ...args);
        expect([r.code, r.stderr]).toEqual([0, '']);
      }
      expect(await hostTree(out)).toEqual([
        'd 755 0:0 - dot ',
        'd 755 0:0 - dot/sub ',
        'f 644 0:0 2 dot/sub/f "x\\n"',
        'l 777 0:0 17 link /links/target.txt',
        'd 755 0:0 - newdir ',
        'd 755 0:0 - newdir/sub ',
        'f 644 0:0 2 newdir/sub/f "x\\n"',
        'f 644 0:0 4 renamed.txt "new\\n"',
      ]);
    });

    it('the path stat header carries Go FileMode bits and the link target in scope', async () => {
      const id = (await docker('inspect', '-f', '{{.Id}}', 'fx-04-links')).stdout.trim();
      const stat = async (path: string) => {
        const r = await socketRequest(daemon.socket, 'HEAD', `/v1.41/containers/${id}/archive?path=${encodeURIComponent(path)}`);
        expect(r.status).toBe(200);
        return JSON.parse(Buffer.from(String(r.headers['x-docker-container-path-stat']), 'base64').toString('utf8')) as Record<string, unknown>;
      };
      expect(await stat('/links')).toMatchObject({ name: 'links', mode: 2 ** 31 + 0o755, linkTarget: '' });
      expect(await stat('/links/escape-symlink')).toMatchObject({ name: 'escape-symlink', mode: 2 ** 27 + 0o777, linkTarget: '/bin/busybox' });
      expect(await stat('/links/target.txt')).toMatchObject({ name: 'target.txt', size: 14, mode: 0o644 });
      expect((await stat('/links/target.txt')).mtime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    });

    it('copies in: a file under a new name, a directory to a new path, a directory\'s contents, onto a running container too', async () => {
      const src = join(work, 'cp-in');
      await mkdir(join(src, 'dir/sub'), { recursive: true });
      await writeFile(join(src, 'host.txt'), 'hello\n');
      await writeFile(join(src, 'dir/sub/y'), 'y\n');
      expect((await docker('run', '-d', '--name', 'target', 'busybox:local', 'sleep', '300')).code).toBe(0);
      try {
        for (const c of ['fx-01-base', 'target']) {
          for (const args of [[join(src, 'host.txt'), `${c}:/newname.txt`], [join(src, 'dir'), `${c}:/notyet`], [`${join(src, 'dir')}/.`, `${c}:/bin/`]]) {
            const r = await docker('cp', ...args);
            expect([r.code, r.stderr]).toEqual([0, '']);
          }
        }
        const running = await docker('exec', 'target', 'cat', '/newname.txt', '/notyet/sub/y', '/bin/sub/y');
        if (running.code === 0) expect(running.stdout).toBe('hello\ny\ny\n');
        for (const c of ['fx-01-base', 'target']) {
          const back = join(work, `back-${c}`);
          await mkdir(back);
          expect((await docker('cp', `${c}:/notyet`, back)).code).toBe(0);
          expect((await docker('cp', `${c}:/newname.txt`, back)).code).toBe(0);
          expect(await hostTree(back)).toEqual(['f 644 0:0 6 newname.txt "hello\\n"', 'd 755 0:0 - notyet ', 'd 755 0:0 - notyet/sub ', 'f 644 0:0 2 notyet/sub/y "y\\n"']);
        }
        expect((await docker('diff', 'target')).stdout).toBe('C /bin\nA /bin/sub\nA /bin/sub/y\nA /newname.txt\nA /notyet\nA /notyet/sub\nA /notyet/sub/y\n');
      } finally {
        await docker('rm', '-f', 'target');
      }
    });

    it('docker cp into and out of a volume writes and reads the volume, as the container sees it; a read-only one refuses', async () => {
      const src = join(work, 'to-volume.txt');
      await writeFile(src, 'into the volume\n');
      expect((await docker('run', '-d', '--name', 'volcp', '-v', 'cpvol:/vol', 'busybox:local', 'sh', '-c', 'echo inside > /vol/out.txt; exec sleep 300')).code).toBe(0);
      try {
        expect((await docker('cp', src, 'volcp:/vol/in.txt')).code).toBe(0);
        expect((await docker('exec', 'volcp', 'cat', '/vol/in.txt')).stdout).toBe('into the volume\n');
        const back = join(work, 'from-volume');
        await mkdir(back);
        await expect.poll(async () => (await docker('exec', 'volcp', 'cat', '/vol/out.txt')).stdout).toBe('inside\n');
        expect((await docker('cp', 'volcp:/vol/out.txt', back)).code).toBe(0);
        expect(await readFile(join(back, 'out.txt'), 'utf8')).toBe('inside\n');
        // Nothing landed in the container's own layer under the mount point.
        expect((await docker('diff', 'volcp')).stdout).not.toContain('/vol/');
        expect((await docker('run', '-d', '--name', 'volro', '-v', 'cpvol:/vol:ro', 'busybox:local', 'sleep', '300')).code).toBe(0);
        const ro = await docker('cp', src, 'volro:/vol/again.txt');
        expect([ro.code, ro.stderr]).toEqual([1, 'Error response from daemon: mounted volume is marked read-only\n']);
      } finally {
        await docker('rm', '-f', 'volcp', 'volro');
        await docker('volume', 'rm', 'cpvol');
      }
    });

    it('a missing path is 404 Could not find the file ... (cp_from_notfound), a file is no extraction point', async () => {
      const r = await docker('cp', 'fx-01-base:/nope', work);
      expect([r.code, r.stderr]).toEqual([1, 'Error response from daemon: Could not find the file /nope in container fx-01-base\n']);
      const id = (await docker('inspect', '-f', '{{.Id}}', 'fx-01-base')).stdout.trim();
      const head = await socketRequest(daemon.socket, 'HEAD', `/v1.41/containers/${id}/archive?path=%2Fnope`);
      expect(head.status).toBe(404);
      const put = await socketRequest(daemon.socket, 'PUT', `/v1.41/containers/fx-01-base/archive?path=%2Fnew-file.txt`, { body: await tarOf([{ path: 'x', type: 'file', text: 'x' }]) });
      expect([put.status, put.json]).toEqual([400, { message: 'extraction point is not a directory' }]);
      const gone = await socketRequest(daemon.socket, 'PUT', `/v1.41/containers/fx-01-base/archive?path=%2Fnope`, { body: await tarOf([{ path: 'x', type: 'file', text: 'x' }]) });
      expect([gone.status, gone.json]).toEqual([404, { message: 'Could not find the file /nope in container fx-01-base' }]);
    });

    it('symlinks to / and ../.. resolve inside the container root: nothing is read from or written to the host', async () => {
      const marker = `strata-escape-${process.pid}-${Date.now()}`;
      const run = await docker('run', '--name', 'esc', 'busybox:local', 'sh', '-c', `ln -s / /escape; ln -s ../.. /up; mkdir /tmp; echo inside > /${marker}`);
      expect(run.code).toBe(0);
      try {
        // The host has /etc/passwd; the container has none, so following the links must find nothing.
        expect(existsSync('/etc/passwd')).toBe(true);
        for (const path of ['/escape/etc/passwd', '/up/etc/passwd', '/up/up/../../etc/passwd']) {
          const r = await docker('cp', `esc:${path}`, work);
          expect(r.stderr).toBe(`Error response from daemon: Could not find the file ${path} in container esc\n`);
        }
        const out = join(work, 'esc-out');
        await mkdir(out);
        expect((await docker('cp', `esc:/up/${marker}`, out)).code).toBe(0);
        expect(await readFile(join(out, marker), 'utf8')).toBe('inside\n');

        const src = join(work, `${marker}.in`);
        await writeFile(src, 'written\n');
        for (const dest of ['esc:/escape/tmp/', 'esc:/up/', 'esc:/up/../../tmp/']) expect((await docker('cp', src, dest)).code).toBe(0);
        expect(existsSync(`/tmp/${marker}.in`)).toBe(false);
        expect(existsSync(`/${marker}.in`)).toBe(false);
        const back = join(work, 'esc-back');
        await mkdir(back);
        expect((await docker('cp', `esc:/tmp/${marker}.in`, back)).code).toBe(0);
        expect((await docker('cp', `esc:/${marker}.in`, join(back, 'root.in'))).code).toBe(0);
        expect(await hostTree(back)).toEqual(['f 644 0:0 8 root.in "written\\n"', `f 644 0:0 8 ${marker}.in "written\\n"`]);
      } finally {
        await docker('rm', '-f', 'esc');
      }
    });

    it('refuses tars with ../ names, absolute names and escaping links; nothing lands outside the root', async () => {
      const marker = `strata-hostile-${process.pid}-${Date.now()}`;
      expect((await docker('create', '--name', 'hostile', 'busybox:local', 'true')).code).toBe(0);
      const id = (await docker('inspect', '-f', '{{.Id}}', 'hostile')).stdout.trim();
      const containerDir = join(daemon.dataRoot, 'containers', id);
      try {
        const put = async (entries: Parameters<typeof tarOf>[0], path = '/bin') =>
          socketRequest(daemon.socket, 'PUT', `/v1.41/containers/hostile/archive?path=${encodeURIComponent(path)}&noOverwriteDirNonDir=true`, { body: await tarOf(entries) });
        const cases: Array<[Parameters<typeof tarOf>[0], RegExp]> = [
          [[{ path: `../../../../../../../../tmp/${marker}`, type: 'file', text: 'x' }], /is outside of/],
          [[{ path: `../${marker}`, type: 'file', text: 'x' }], /is outside of/],
          [[{ path: `/tmp/${marker}`, type: 'file', text: 'x' }], /absolute names/],
          [[{ path: marker, type: 'symlink', linkname: `../../../../../../tmp/${marker}` }], /invalid symlink/],
          [[{ path: marker, type: 'hardlink', linkname: '../../../../../../etc/passwd' }], /invalid hardlink/],
        ];
        for (const [entries, message] of cases) {
          const r = await put(entries);
          expect(r.status, JSON.stringify(entries)).toBe(400);
          expect((r.json as { message: string }).message).toMatch(message);
        }
        // A link to / followed by a write through it: lands in the container's /tmp, as in dockerd's chroot.
        const through = await put([{ path: 'evil', type: 'symlink', linkname: '/' }, { path: `evil/tmp/${marker}`, type: 'file', text: 'inside' }], '/');
        expect(through.status).toBe(200);
        expect(existsSync(`/tmp/${marker}`)).toBe(false);
        expect(existsSync(join(containerDir, marker))).toBe(false);
        expect(existsSync(join(containerDir, '..', marker))).toBe(false);
        const back = join(work, 'hostile-back');
        await mkdir(back);
        expect((await docker('cp', `hostile:/tmp/${marker}`, back)).code).toBe(0);
        expect(await readFile(join(back, marker), 'utf8')).toBe('inside');
      } finally {
        await docker('rm', '-f', 'hostile');
      }
    });
  });

  describe('docker commit', () => {
    it('gives an image whose top layer holds the diff with whiteouts and an opaque marker, and -m -a -c as Docker records them', async () => {
      const r = await docker('commit', '-m', 'my commit', '-a', 'me <me@x>', '-c', 'CMD ["sh"]', '-c', 'ENV A=b', 'fx-03-opaque', 'mycommit:v1');
      expect(r.code).toBe(0);
      const id = r.stdout.trim();
      expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
      const inspect = JSON.parse((await docker('image', 'inspect', 'mycommit:v1')).stdout)[0];
      expect(inspect.Id).toBe(id);
      expect(inspect.Author).toBe('me <me@x>');
      // dockerd keeps -m in the history entry only (NewChildImage sets no top-level comment).
      expect(inspect.Comment).toBe('');
      expect(inspect.Config.Cmd).toEqual(['sh']);
      expect(inspect.Config.Env).toEqual(['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'A=b']);
      const container = JSON.parse((await docker('inspect', 'fx-03-opaque')).stdout)[0];
      expect(inspect.Container).toBe(container.Id);
      expect(inspect.Parent).toBe(container.Image);
      expect(inspect.RootFS.Layers.length).toBe(4);
      const history = (await docker('history', '--no-trunc', '--format', '{{.CreatedBy}}|{{.Comment}}', 'mycommit:v1')).stdout.split('\n')[0];
      expect(history).toBe(`${container.Path} ${container.Args.join(' ')}|my commit`);

      const saved = join(work, 'commit.tar');
      expect((await docker('save', 'mycommit:v1', '-o', saved)).code).toBe(0);
      const layer = execFileSync('tar', ['-xOf', saved, `blobs/sha256/${inspect.RootFS.Layers[3].slice(7)}`]);
      expect(await tarHeaders(layer)).toEqual([
        { path: 'config/', type: 'directory', rawMode: 0o40755, uid: 0, gid: 0, uname: 'root', gname: 'root', size: 0, linkname: '', pax: {} },
        { path: 'config/.wh..wh..opq', type: 'file', rawMode: 0o755, uid: 0, gid: 0, uname: 'root', gname: 'root', size: 0, linkname: '', pax: {} },
        { path: 'config/d.conf', type: 'file', rawMode: 0o100644, uid: 0, gid: 0, uname: 'root', gname: 'root', size: 10, linkname: '', pax: {} },
        { path: 'contrast/', type: 'directory', rawMode: 0o40755, uid: 0, gid: 0, uname: 'root', gname: 'root', size: 0, linkname: '', pax: {} },
        { path: 'contrast/.wh.c.conf', type: 'file', rawMode: 0o600, uid: 0, gid: 0, uname: 'root', gname: 'root', size: 0, linkname: '', pax: {} },
      ]);
      // The committed image runs with the container's changes.
      const run = await docker('run', '--rm', 'mycommit:v1', 'sh', '-c', 'ls /config /contrast');
      expect(run.stdout).toBe('/config:\nd.conf\n\n/contrast:\n');
    });

    it('an unchanged container commits an empty_layer history entry and no layer', async () => {
      expect((await docker('create', '--name', 'same', 'busybox:local', 'true')).code).toBe(0);
      try {
        const r = await docker('commit', 'same', 'same:v1');
        expect(r.code).toBe(0);
        const inspect = JSON.parse((await docker('image', 'inspect', 'same:v1')).stdout)[0];
        expect(inspect.RootFS.Layers).toEqual(JSON.parse((await docker('image', 'inspect', 'busybox:local')).stdout)[0].RootFS.Layers);
        expect((await docker('history', '--format', '{{.Size}}', 'same:v1')).stdout.split('\n')[0]).toBe('0B');
      } finally {
        await docker('rm', '-f', 'same');
      }
    });

    it('--pause (the default) leaves a running container running; a missing container is No such container', async () => {
      expect((await docker('run', '-d', '--name', 'busy', 'busybox:local', 'sh', '-c', 'echo hi > /hi; exec sleep 300')).code).toBe(0);
      try {
        await expect.poll(async () => (await docker('diff', 'busy')).stdout, { timeout: 10_000 }).toBe('A /hi\n');
        expect((await docker('commit', 'busy', 'busy:v1')).code).toBe(0);
        expect((await docker('inspect', '-f', '{{.State.Status}}', 'busy')).stdout).toBe('running\n');
        expect((await docker('commit', '--pause=false', 'busy', 'busy:v2')).code).toBe(0);
        expect((await docker('run', '--rm', 'busy:v2', 'cat', '/hi')).stdout).toBe('hi\n');
      } finally {
        await docker('rm', '-f', 'busy');
      }
      const r = await docker('commit', 'nope', 'x:y');
      expect([r.code, r.stderr]).toEqual([1, 'Error response from daemon: No such container: nope\n']);
    });
  });
});

const dockerdStarted = skipReason === '' ? await startDockerd() : { skip: skipReason };
const dockerdSkip = 'skip' in dockerdStarted ? dockerdStarted.skip : undefined;
if (dockerdSkip) console.log(`container files parity with dockerd skipped: ${dockerdSkip}`);

describe.skipIf(dockerdSkip !== undefined)('the same container files on stratad and on a private real dockerd', () => {
  const dockerd = dockerdStarted as Dockerd;
  let daemon: StratadProcess;
  let work: string;
  type Run = (...args: string[]) => Promise<{ code: number; stdout: string; stderr: string }>;
  const both: Array<[string, Run]> = [];

  beforeAll(async () => {
    daemon = await startStratad();
    work = await mkdtemp(join(tmpdir(), 'strata-files-parity-'));
    both.push(['stratad', (...args) => daemon.docker(args, { timeoutMs: 60_000 })], ['dockerd', (...args) => runDocker(args, { env: { ...dockerd.env, TZ: 'UTC' } })]);
    for (const [, docker] of both) {
      for (const f of ['01-base', '02-whiteout', '04-links']) expect((await docker('load', '-i', join(images, f, 'image.tar'))).code).toBe(0);
      for (const f of ['01-base', '02-whiteout', '04-links']) expect((await docker(...recordedRun(f))).code).toBe(0);
    }
  }, 240_000);

  afterAll(async () => {
    await removeAllContainers(daemon);
    await daemon?.dispose();
    await dockerd.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('docker commit writes the same layer headers (times aside) and the same config (IDs and times aside)', async () => {
    const results: Array<{ headers: unknown; config: Record<string, unknown> }> = [];
    for (const [name, docker] of both) {
      for (const f of ['01-base', '02-whiteout', '04-links']) {
        const r = await docker('commit', '-m', 'msg', '-a', 'me', '-c', 'CMD ["sh"]', '-c', 'EXPOSE 80', `fx-${f}`, `c${f}:v1`);
        expect(r.code, `${name}: ${r.stderr}`).toBe(0);
      }
      const out = join(work, name);
      await mkdir(out);
      const headers = [];
      let config: Record<string, unknown> = {};
      for (const f of ['01-base', '02-whiteout', '04-links']) {
        const inspect = JSON.parse((await docker('image', 'inspect', `c${f}:v1`)).stdout)[0];
        const saved = join(out, `${f}.tar`);
        expect((await docker('save', `c${f}:v1`, '-o', saved)).code).toBe(0);
        const manifest = JSON.parse(execFileSync('tar', ['-xOf', saved, 'manifest.json']).toString('utf8'))[0];
        headers.push(await tarHeaders(execFileSync('tar', ['-xOf', saved, manifest.Layers.at(-1)], { maxBuffer: 64 << 20 })));
        const raw = JSON.parse(execFileSync('tar', ['-xOf', saved, manifest.Config]).toString('utf8'));
        // The layer's diffID depends on the files' mtimes (the headers above are compared without them).
        const diffIds = [...raw.rootfs.diff_ids.slice(0, -1), 'top'];
        config = { ...raw, created: '', container: inspect.Container ? 'set' : '', docker_version: '', rootfs: { ...raw.rootfs, diff_ids: diffIds }, history: raw.history.map((h: Record<string, unknown>) => ({ ...h, created: '' })) };
        for (const c of [config.config, config.container_config] as Array<Record<string, unknown>>) c.Hostname = '';
      }
      results.push({ headers, config });
    }
    expect(results[0].headers).toEqual(results[1].headers);
    expect(results[0].config).toEqual(results[1].config);
  });

  it('docker cp both ways leaves the same files on the host and the same docker diff', async () => {
    const src = join(work, 'src');
    await mkdir(join(src, 'dir/sub'), { recursive: true });
    await writeFile(join(src, 'host.txt'), 'hello\n');
    await writeFile(join(src, 'dir/sub/y'), 'y\n');
    const outcomes: unknown[] = [];
    for (const [name, docker] of both) {
      const out = join(work, `out-${name}`);
      await mkdir(out);
      const codes: Array<[number, string]> = [];
      for (const args of [
        ['fx-02-whiteout:/data', `${out}/`],
        ['fx-02-whiteout:/data/.', `${out}/contents`],
        ['fx-02-whiteout:/data/subdir/new.txt', `${out}/renamed`],
        ['fx-04-links:/links/', `${out}/links`],
        ['fx-02-whiteout:/data/nope', out],
        [join(src, 'host.txt'), 'fx-02-whiteout:/data/newname.txt'],
        [join(src, 'dir'), 'fx-02-whiteout:/fresh'],
        [`${join(src, 'dir')}/.`, 'fx-02-whiteout:/data/'],
        [join(src, 'host.txt'), 'fx-02-whiteout:/missing/'],
        [join(src, 'dir'), 'fx-02-whiteout:/data/newname.txt'],
      ]) {
        const r = await docker('cp', ...args);
        // The CLI logs its own tar goroutine racing the request's end (`Can't add file ...`) on either daemon, or not.
        const stderr = r.stderr.split('\n').filter((l) => !l.includes('level=error msg="Can\'t'));
        codes.push([r.code, stderr.join('\n').replaceAll(out, 'OUT').replaceAll(work, 'WORK')]);
      }
      const diff = (await docker('diff', 'fx-02-whiteout')).stdout;
      outcomes.push({ codes, tree: (await hostTree(out)).map((l) => l.replace(out, 'OUT')), diff: sortedLines(diff) });
    }
    expect(outcomes[0]).toEqual(outcomes[1]);
  });
});
