import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { testPorts } from '../../test-support/memory.js';
import { collect, fixturesDir, readFixture, streamOf } from '../../test-support/node.js';
import { type BuildEvent, classicBuildText } from '../build/index.js';
import { readTar, tarEntry, type TarWriteEntry, writeTar } from '../layer/index.js';
import { createEngine, type Engine } from './index.js';

const fixture = (name: string, file: string): string => readFileSync(join(fixturesDir, 'images', name, file), 'utf8');
const historyOf = (name: string): Array<{ CreatedBy: string; Size: string }> =>
  fixture(name, 'history.jsonl')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .reverse();
const emptyFlags = (name: string): boolean[] =>
  (JSON.parse(fixture(name, 'digests.json')).images[0].history as Array<{ empty_layer?: boolean }>).map((h) => h.empty_layer === true);

/** Each layer of layers.txt as `type mode uid:gid uname size name[ -> target]` lines, mtime left out. */
function fixtureLayers(name: string): string[][] {
  const layers: string[][] = [];
  for (const line of fixture(name, 'layers.txt').split('\n')) {
    if (line.startsWith('=== layer')) layers.push([]);
    const m = /^ {2}(\w+)\s+\S+ mode-field=(\d+) (\d+:\d+) uname='([^']*)' gname='[^']*' size=(\d+)\s+mtime=\S+ (\S+)(?: -> (\S+)| => hardlink to (\S+))?/.exec(line);
    if (m) layers[layers.length - 1].push(`${m[1]} ${m[2]} ${m[3]} ${m[4]} ${m[5]} ${m[6]}${m[7] ? ` -> ${m[7]}` : ''}${m[8] ? ` => ${m[8]}` : ''}`);
    const pax = /^ {11}pax: (.*)$/.exec(line);
    if (pax) layers[layers.length - 1].push(`pax ${Object.keys(JSON.parse(pax[1])).join(',')}`);
  }
  return layers;
}

const kinds: Record<string, string> = { file: 'file', directory: 'dir', symlink: 'symlink', hardlink: 'hardlink', fifo: 'fifo', char: 'chardev' };

async function layerLines(engine: Engine, ports: ReturnType<typeof testPorts>, image: string): Promise<string[][]> {
  const inspect = await engine.inspectImage(image);
  const out: string[][] = [];
  for (const diffId of inspect.RootFS.Layers) {
    const lines: string[] = [];
    for await (const e of readTar(await ports.content.read(diffId))) {
      await e.body.cancel();
      lines.push(`${kinds[e.type]} ${e.rawMode.toString(8).padStart(7, '0')} ${e.uid}:${e.gid} ${e.uname} ${e.size} ${e.path}${e.type === 'symlink' ? ` -> ${e.linkname}` : ''}`);
      const keys = Object.keys(e.pax).filter((k) => k.startsWith('SCHILY.'));
      if (keys.length) lines.push(`pax ${keys.join(',')}`);
    }
    out.push(lines);
  }
  return out;
}

interface ContextFile {
  body?: string | Uint8Array;
  mode?: number;
  type?: 'file' | 'directory' | 'symlink' | 'hardlink';
  linkname?: string;
  mtime?: number;
}

async function contextTar(files: Record<string, string | ContextFile>): Promise<Uint8Array> {
  const entries: TarWriteEntry[] = Object.entries(files).map(([path, f]) => {
    const spec: ContextFile = typeof f === 'string' ? { body: f } : f;
    const body = typeof spec.body === 'string' ? new TextEncoder().encode(spec.body) : spec.body;
    const type = spec.type ?? 'file';
    return {
      ...tarEntry({ path, type, mode: spec.mode ?? (type === 'directory' ? 0o755 : 0o644), size: type === 'file' ? (body?.byteLength ?? 0) : 0, mtime: spec.mtime ?? 1_700_000_000, linkname: spec.linkname ?? '' }),
      body: type === 'file' ? (body ?? new Uint8Array()) : undefined,
    };
  });
  return collect(writeTar(entries, { mode: 'fresh' }));
}

describe('engine: docker build (classic builder, no RUN)', () => {
  let ports: ReturnType<typeof testPorts>;
  let engine: Engine;
  let events: BuildEvent[];
  const build = async (files: Record<string, string | ContextFile>, options: Parameters<Engine['buildImage']>[1] = {}) => {
    events = [];
    return engine.buildImage(streamOf(await contextTar(files)), options, (e) => events.push(e));
  };
  const text = (): string => events.map(classicBuildText).join('');

  beforeEach(async () => {
    ports = testPorts();
    engine = createEngine(ports);
    await engine.loadImages(streamOf(readFixture('images/01-base/image.tar')));
  });

  it("records fixture 07's metadata steps as Docker does: CreatedBy, empty layers, WORKDIR layers, config", async () => {
    const dockerfile = fixture('07-metadata', 'Dockerfile').replace(/^RUN .*\n/m, '');
    const id = await build({ Dockerfile: dockerfile }, { tags: ['meta:v1'] });
    const want = historyOf('07-metadata').filter((h) => !h.CreatedBy.includes('version.txt'));
    const got = await engine.imageHistory('meta:v1');
    expect(got.map((h) => h.CreatedBy).reverse()).toEqual(want.map((h) => h.CreatedBy));
    const flags = emptyFlags('07-metadata').filter((_, i) => !historyOf('07-metadata')[i].CreatedBy.includes('version.txt'));
    const config = JSON.parse(new TextDecoder().decode(await ports.content.readBytes(id)));
    expect(config.history.map((h: { empty_layer?: boolean }) => h.empty_layer === true)).toEqual(flags);
    const layers = await layerLines(engine, ports, 'meta:v1');
    const expected = fixtureLayers('07-metadata');
    expect(layers[1]).toEqual(expected[1]);
    expect(layers[2]).toEqual(expected[3]);
    const inspect = JSON.parse(fixture('07-metadata', 'inspect.json'))[0];
    const ours = await engine.inspectImage('meta:v1');
    expect({ ...ours.Config, Image: '' }).toEqual({ ...inspect.Config, Image: '' });
    expect(text()).toContain('Step 1/15 : FROM busybox:local\n ---> d9d3d3752bd1\nStep 2/15 : LABEL');
    expect(text()).toMatch(/Step 15\/15 : CMD \["echo \$GREETING from \$APP_HOME"\]\n ---> Running in [0-9a-f]{12}\nRemoving intermediate container [0-9a-f]{12}\n ---> [0-9a-f]{12}\nSuccessfully built [0-9a-f]{12}\nSuccessfully tagged meta:v1\n$/);
  });

  it("makes fixture 05's COPY and ADD layers (ADD unpacks a local tar, keeping its xattr)", async () => {
    const context = join(fixturesDir, 'images/05-perms/context');
    const dockerfile = fixture('05-perms', 'Dockerfile').split('\n').filter((l) => !l.startsWith('RUN ')).join('\n');
    // The fixture's files are read-only here; Docker saw them with mode 0644.
    await build(
      { Dockerfile: dockerfile, capfile: { body: readFileSync(join(context, 'capfile')) }, 'capfile.tar': { body: readFileSync(join(context, 'capfile.tar')) } },
      { tags: ['perms:v1'] },
    );
    const layers = await layerLines(engine, ports, 'perms:v1');
    const expected = fixtureLayers('05-perms');
    expect(layers.slice(1)).toEqual(expected.slice(1, 3));
    // The source hash includes the build host's xattr on capfile, which git does not keep: compare around it.
    const history = (await engine.imageHistory('perms:v1')).map((h) => h.CreatedBy.replace(/file:[0-9a-f]{64}/, 'file:<hash>')).reverse();
    expect(history.slice(1)).toEqual(historyOf('05-perms').slice(1, 3).map((h) => h.CreatedBy.replace(/file:[0-9a-f]{64}/, 'file:<hash>')));
  });

  it('reuses every step on a rebuild, persists the cache, and rebuilds only from the first changed step', async () => {
    const files = { Dockerfile: 'FROM busybox:local\nENV A=1\nCOPY a.txt /a/\nWORKDIR /w\nCOPY b.txt /b/\nCMD ["x"]\n', 'a.txt': 'a\n', 'b.txt': 'b\n' };
    const first = await build(files);
    expect(events.filter((e) => e.kind === 'cache')).toHaveLength(0);
    const again = await build(files);
    expect(again).toBe(first);
    expect(events.filter((e) => e.kind === 'cache')).toHaveLength(5);
    // A new engine on the same stores: the cache survived the restart.
    engine = createEngine(ports);
    expect(await build(files)).toBe(first);
    expect(events.filter((e) => e.kind === 'cache')).toHaveLength(5);
    const changed = await build({ ...files, 'b.txt': 'B\n' });
    expect(changed).not.toBe(first);
    const steps = events.filter((e) => e.kind === 'step' || e.kind === 'cache').map((e) => (e.kind === 'step' ? e.step : 'cache'));
    expect(steps).toEqual([1, 2, 'cache', 3, 'cache', 4, 'cache', 5, 6]);
    await build(files, { noCache: true });
    expect(events.filter((e) => e.kind === 'cache')).toHaveLength(0);
  });

  it('keeps every step as an image whose parent is the step before', async () => {
    const id = await build({ Dockerfile: 'FROM busybox:local\nENV A=1\nLABEL b=2\n' });
    const top = await engine.inspectImage(id);
    const middle = await engine.inspectImage(top.Parent);
    expect(middle.Parent).toBe('sha256:d9d3d3752bd1479a851c86cfe0e9eaacb42f77a074be843ffefe136299d13479');
    const all = await engine.listImages({ all: true });
    expect(all.map((i) => i.Id)).toContain(top.Parent);
  });

  it('gives the same image ID twice with SOURCE_DATE_EPOCH', async () => {
    const files = { Dockerfile: 'FROM busybox:local\nARG SOURCE_DATE_EPOCH\nCOPY . /src/\nWORKDIR /src/sub\nENV X=y\n', 'f.txt': 'f\n' };
    const a = await build(files, { noCache: true, buildArgs: { SOURCE_DATE_EPOCH: '1700000000' } });
    ports.advance(5000);
    const b = await build(files, { noCache: true, buildArgs: { SOURCE_DATE_EPOCH: '1700000000' } });
    expect(b).toBe(a);
    ports.advance(5000);
    const c = await build(files, { noCache: true });
    expect(c).not.toBe(a);
    const config = JSON.parse(new TextDecoder().decode(await ports.content.readBytes(a)));
    expect(config.created).toBe('2023-11-14T22:13:20Z');
  });

  it('builds only the stages the target needs, COPY --from a stage by name and by index', async () => {
    const dockerfile = [
      'FROM busybox:local AS base',
      'COPY a.txt /out/a.txt',
      'FROM busybox:local AS unused',
      'COPY b.txt /b.txt',
      'FROM base AS final',
      'COPY --from=base --chown=1000:1000 /out /copied/',
      'COPY --from=0 /out/a.txt /single.txt',
      'FROM busybox:local',
      'COPY --from=final /copied /last/',
    ].join('\n');
    await build({ Dockerfile: dockerfile, 'a.txt': 'a\n', 'b.txt': 'b\n' }, { target: 'final', tags: ['stages:final'] });
    expect(events.filter((e) => e.kind === 'step').map((e) => (e.kind === 'step' ? `${e.step}/${e.total} ${e.instruction}` : ''))).toEqual([
      '1/5 FROM busybox:local AS base',
      '2/5 COPY a.txt /out/a.txt',
      '3/5 FROM base AS final',
      '4/5 COPY --from=base --chown=1000:1000 /out /copied/',
      '5/5 COPY --from=0 /out/a.txt /single.txt',
    ]);
    const layers = await layerLines(engine, ports, 'stages:final');
    expect(layers[2]).toEqual(['dir 0040755 1000:1000  0 copied/', 'file 0100644 1000:1000  2 copied/a.txt']);
    expect(layers[3]).toEqual(['file 0100644 0:0 root 2 single.txt']);
  });

  it('applies .dockerignore with ! exceptions, globs, trailing-slash rules and ARG/ENV substitution', async () => {
    const files = {
      Dockerfile: 'FROM busybox:local\nARG DIR=/data\nENV SUB=${DIR:-/x}/sub\nCOPY *.txt ${SUB}/\nCOPY one.txt ${DIR}/renamed\nCOPY dir ${DIR:+/other}\n',
      '.dockerignore': '*.txt\n!keep.txt\n!one.txt\n',
      'keep.txt': 'k\n',
      'one.txt': '1\n',
      'secret.txt': 's\n',
      'dir/': { type: 'directory' as const },
      'dir/inner': 'i\n',
    };
    await build(files, { tags: ['ign:v1'] });
    const layers = await layerLines(engine, ports, 'ign:v1');
    expect(layers.slice(1)).toEqual([
      ['dir 0040755 0:0 root 0 data/', 'dir 0040755 0:0 root 0 data/sub/', 'file 0100644 0:0 root 2 data/sub/keep.txt', 'file 0100644 0:0 root 2 data/sub/one.txt'],
      ['dir 0040755 0:0 root 0 data/', 'file 0100644 0:0 root 2 data/renamed'],
      ['dir 0040755 0:0 root 0 other/', 'file 0100644 0:0 root 2 other/inner'],
    ]);
  });

  it('COPY <<EOF writes heredoc bodies as 0644 files (variables expanded unless the delimiter is quoted), cached by content', async () => {
    const dockerfile = 'FROM busybox:local\nENV NAME=world\nCOPY <<EOF /etc/greeting\nhello $NAME\nEOF\nCOPY --chmod=755 <<-"EOT" <<x /bin/\n\techo $NAME\n\tEOT\n${NAME:-none}\nx\n';
    const id = await build({ Dockerfile: dockerfile }, { tags: ['heredoc:v1'] });
    const layers = await layerLines(engine, ports, 'heredoc:v1');
    expect(layers.slice(1)).toEqual([
      ['dir 0040755 0:0 root 0 etc/', 'file 0100644 0:0 root 12 etc/greeting'],
      ['dir 0040755 0:0 root 0 bin/', 'file 0100755 0:0 root 11 bin/EOT', 'file 0100755 0:0 root 6 bin/x'],
    ]);
    const inspect = await engine.inspectImage(id);
    const bodies: Record<string, string> = {};
    for (const diffId of inspect.RootFS.Layers.slice(1)) {
      for await (const e of readTar(await ports.content.read(diffId))) bodies[e.path] = new TextDecoder().decode(await collect(e.body));
    }
    expect(bodies).toMatchObject({ 'etc/greeting': 'hello world\n', 'bin/EOT': 'echo $NAME\n', 'bin/x': 'world\n' });
    expect(await build({ Dockerfile: dockerfile })).toBe(id);
    expect(events.filter((e) => e.kind === 'cache')).toHaveLength(3);
    await build({ Dockerfile: dockerfile.replace('hello', 'bye') });
    expect(events.filter((e) => e.kind === 'cache')).toHaveLength(1);
  });

  describe('ADD <url> (a server on 127.0.0.1)', () => {
    let server: Server;
    let base = '';
    let served = 'first';
    const requests: string[] = [];
    beforeEach(async () => {
      server = createServer((req, res) => {
        requests.push(req.url ?? '');
        if (req.url === '/files/tool.tar.gz') {
          res.writeHead(200, { 'Last-Modified': 'Tue, 14 Nov 2023 22:13:20 GMT' });
          res.end(gzipSync(served));
        } else if (req.url === '/download/') {
          res.writeHead(200, { 'Content-Disposition': 'attachment; filename="named.txt"' });
          res.end('named\n');
        } else {
          res.writeHead(404);
          res.end('no such file\n');
        }
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      ports.http = (url, init) => fetch(url, init);
      engine = createEngine(ports);
      await engine.loadImages(streamOf(readFixture('images/01-base/image.tar')));
    });
    const close = () => new Promise<void>((r) => server.close(() => r()));

    it('names the file after the URL path, mode 0600, Last-Modified as mtime, not unpacked; the cache follows the content', async () => {
      try {
        const dockerfile = `FROM busybox:local\nADD ${base}/files/tool.tar.gz /dl/\nADD ${base}/download/ /named/\nADD ${base}/files/tool.tar.gz /renamed\n`;
        const id = await build({ Dockerfile: dockerfile }, { tags: ['url:v1'] });
        const size = gzipSync('first').byteLength;
        expect((await layerLines(engine, ports, 'url:v1')).slice(1)).toEqual([
          ['dir 0040755 0:0 root 0 dl/', `file 0100600 0:0 root ${size} dl/tool.tar.gz`],
          ['dir 0040755 0:0 root 0 named/', 'file 0100600 0:0 root 6 named/named.txt'],
          [`file 0100600 0:0 root ${size} renamed`],
        ]);
        const layer = (await engine.inspectImage(id)).RootFS.Layers[1];
        const mtimes: Record<string, number> = {};
        for await (const e of readTar(await ports.content.read(layer))) {
          await e.body.cancel();
          mtimes[e.path] = e.mtime;
        }
        expect(mtimes['dl/tool.tar.gz']).toBe(1_700_000_000);
        expect((await engine.imageHistory('url:v1'))[0].CreatedBy).toMatch(/^\/bin\/sh -c #\(nop\) ADD file:[0-9a-f]{64} in \/renamed $/);
        requests.length = 0;
        expect(await build({ Dockerfile: dockerfile })).toBe(id);
        expect(events.filter((e) => e.kind === 'cache')).toHaveLength(3);
        expect(requests).toEqual(['/files/tool.tar.gz', '/download/', '/files/tool.tar.gz']);
        served = 'second';
        expect(await build({ Dockerfile: dockerfile })).not.toBe(id);
        expect(events.filter((e) => e.kind === 'cache')).toHaveLength(0);
      } finally {
        await close();
      }
    });

    it('fails on a 404 with the classic message and COPY refuses URLs, leaving the store as it was', async () => {
      try {
        const before = (await ports.content.list()).sort();
        await expect(build({ Dockerfile: `FROM busybox:local\nADD ${base}/missing.txt /x\n` })).rejects.toThrow(`failed to GET ${base}/missing.txt with status 404 Not Found: no such file`);
        await expect(build({ Dockerfile: `FROM busybox:local\nCOPY ${base}/files/tool.tar.gz /x\n` })).rejects.toThrow("source can't be a URL for COPY");
        expect((await ports.content.list()).sort()).toEqual(before);
      } finally {
        await close();
      }
    });
  });

  describe('bad input leaves tags and store as they were', () => {
    const failing: Array<[string, Record<string, string | ContextFile>, string]> = [
      ['unknown instruction', { Dockerfile: 'FROM busybox:local\nFOO bar\n' }, 'Dockerfile parse error line 2: unknown instruction: FOO'],
      ['unterminated heredoc', { Dockerfile: 'FROM busybox:local\nRUN <<EOF\n' }, 'unterminated heredoc'],
      ['COPY outside the context', { Dockerfile: 'FROM busybox:local\nCOPY ../etc/passwd /x\n' }, 'COPY failed: forbidden path outside the build context: ../etc/passwd ()'],
      ['missing COPY source', { Dockerfile: 'FROM busybox:local\nCOPY nothere.txt /x\n' }, 'COPY failed: file not found in build context or excluded by .dockerignore: stat nothere.txt: file does not exist'],
      ['unknown --from', { Dockerfile: 'FROM busybox:local\nCOPY --from=nosuch /x /y\n' }, 'invalid from flag value nosuch: No such image: nosuch'],
      ['unknown target', { Dockerfile: 'FROM busybox:local AS a\n' }, 'failed to reach build target nope in Dockerfile'],
      ['missing Dockerfile', { 'a.txt': 'a' }, 'Cannot locate specified Dockerfile: Dockerfile'],
      ['hostile context name', { Dockerfile: 'FROM busybox:local\n', '../evil': 'x' }, 'invalid build context: "../evil" is outside of the layer root'],
      ['hostile context hard link', { Dockerfile: 'FROM busybox:local\n', link: { type: 'hardlink', linkname: '../../etc/shadow' } }, 'invalid build context: invalid hardlink "link" -> "../../etc/shadow": outside the root'],
      ['hostile context absolute name', { Dockerfile: 'FROM busybox:local\n', '/etc/evil': 'x' }, 'invalid build context: invalid tar entry name "/etc/evil": absolute paths are not allowed in a layer'],
      [
        'escaping context symlink',
        { Dockerfile: 'FROM busybox:local\nCOPY esc/passwd /x\n', esc: { type: 'symlink', linkname: '../../../../etc' } },
        'COPY failed: file not found in build context or excluded by .dockerignore: stat esc/passwd: file does not exist',
      ],
      ['RUN without a runtime', { Dockerfile: 'FROM busybox:local\nRUN true\n' }, 'RUN needs a container runtime (runc and conmon, as root); this engine has none'],
    ];
    for (const [name, files, message] of failing) {
      it(name, async () => {
        await engine.tagImage('busybox:local', 'keep', 'me');
        const before = { images: (await engine.listImages({ all: true })).map((i) => i.Id).sort(), blobs: (await ports.content.list()).sort() };
        await expect(build(files, { tags: ['keep:me'], target: name === 'unknown target' ? 'nope' : undefined })).rejects.toThrow(message);
        expect((await engine.inspectImage('keep:me')).Id).toBe('sha256:d9d3d3752bd1479a851c86cfe0e9eaacb42f77a074be843ffefe136299d13479');
        expect((await engine.listImages({ all: true })).map((i) => i.Id).sort()).toEqual(before.images);
        expect((await ports.content.list()).sort()).toEqual(before.blobs);
      });
    }
  });
});
