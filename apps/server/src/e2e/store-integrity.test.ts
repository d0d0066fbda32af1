// Bad input through the real docker CLI and plain HTTP leaves stratad's data root byte-for-byte as it was,
// and nothing is written outside it.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capturedJson, capturedOutput } from '../captureFixtures.js';
import { dockerBinary, type DockerResult } from '../dockerCli.js';
import { fixtureImage } from './fixtureImages.js';
import { climbTo, dockerArchive, fileEntry, imageParts, tarBytes } from './hostileArchives.js';
import { socketRequest, type SocketResponse } from './socketRequest.js';
import { startStratad, type StratadProcess } from './stratadProcess.js';
import { treeListing } from './treeListing.js';

const skip = dockerBinary ? undefined : 'no docker CLI (/usr/local/bin/docker or /usr/bin/docker)';
if (skip) console.warn(`store-integrity skipped: ${skip}`);

const base = fixtureImage('01-base');
const perms = fixtureImage('05-perms');
const whiteout = fixtureImage('02-whiteout');
const multistage = fixtureImage('06-multistage');
const zeroId = `sha256:${'0'.repeat(64)}`;
// The socket and pidfile of stratadProcess live beside the data root; the lock file is inside it.
const notContent = ['strata.lock'];
const sha256Hex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** What a refused request said: dockerd puts a failed load or import into a 200 JSON stream, other failures into `{"message"}`. */
function refusal(res: SocketResponse): { status: number; message: string } {
  if (res.status !== 200) return { status: res.status, message: (res.json as { message: string }).message };
  const last = res.body.toString('utf8').trim().split('\n').at(-1) ?? '';
  return { status: res.status, message: (JSON.parse(last) as { errorDetail?: { message: string } }).errorDetail?.message ?? `no error in ${last}` };
}

/** The CLI's message for a refused load or import: bare when dockerd streamed it, prefixed when it was an HTTP error. */
function printedRefusal(r: DockerResult): string {
  expect(r.code).toBe(1);
  expect(r.stdout).toBe('');
  return r.stderr.replace(/^Error response from daemon: /, '').replace(/\n$/, '');
}

describe.skipIf(skip !== undefined)('bad input leaves the data root byte-for-byte as it was', () => {
  let daemon: StratadProcess;
  let work: string;
  let canary: string;
  /** Where a writer that followed the hostile names would have put a file, relative to every directory it might work in. */
  let escapeTargets: string[];
  let passwd: string;
  let tmpBefore: Set<string>;
  let hostile: Awaited<ReturnType<typeof hostileInputs>>;

  async function hostileInputs() {
    const sound = await imageParts([fileEntry('hello.txt', 'a sound layer\n')]);
    const other = await imageParts([fileEntry('other.txt', 'not the layer the config names\n')]);
    const fresh = await imageParts([fileEntry('fresh.txt', 'a new, valid first layer\n')]);
    const twoLayers = await imageParts([], [fresh.diffId, sound.diffId]);
    const escapingLayer = await imageParts([fileEntry('ok.txt', 'x'), fileEntry(climbTo(join(canary, 'evil-in-layer')), 'x')]);
    const soundImage = (tags: string[]) => ({ tags, config: sound.config, layers: [sound.layer] });
    const whiteoutBytes = readFileSync(whiteout.tar);
    return {
      sound,
      other,
      fresh,
      escapingLayer,
      loads: [
        {
          what: 'an archive cut inside its last layer (02-whiteout, whose last layer.tar spans bytes 2016768-2020352)',
          archive: whiteoutBytes.subarray(0, 2_018_000),
          message: /^(Error processing tar file\(exit status 1\): )?unexpected EOF$/,
        },
        {
          what: 'an archive cut after every layer and the config, before manifest.json (06-multistage)',
          archive: readFileSync(multistage.tar).subarray(0, 2_027_520),
          message: 'invalid archive: it has neither manifest.json (docker save) nor index.json (OCI layout)',
        },
        {
          what: 'a gzip-compressed archive cut short',
          archive: gzipSync(whiteoutBytes).subarray(0, 1_000_000),
          message: /^gzip decompression failed: unexpected end of file$|unexpected EOF$/,
        },
        {
          what: 'an archive with a ../evil member (and one climbing to the canary dir)',
          archive: await dockerArchive([soundImage(['hostile/member:1'])], {
            extra: [fileEntry('../evil', 'x'), fileEntry(climbTo(join(canary, 'evil')), 'x')],
          }),
          message: 'invalid archive: entry "../evil" points outside the archive',
        },
        {
          what: 'an archive whose manifest.json names ../../etc/passwd as the config',
          archive: await dockerArchive([soundImage(['hostile/passwd:1'])], {
            manifest: JSON.stringify([{ Config: '../../etc/passwd', RepoTags: ['hostile/passwd:1'], Layers: ['image0-layer0/layer.tar'] }]),
          }),
          message: 'invalid archive: config "../../etc/passwd" points outside the archive',
        },
        {
          what: 'an archive whose second layer does not match its diffID (the first is new and valid)',
          archive: await dockerArchive([{ tags: ['hostile/diffid:1'], config: twoLayers.config, layers: [fresh.layer, other.layer] }]),
          // dockerd: `invalid diffID for layer 1: expected "<config's>", got "<calculated>"`
          message: new RegExp(`^invalid diffID for layer 1: expected "${sound.diffId}", got "${other.diffId}"$`),
        },
        {
          what: 'two images where only the second is bad (nothing of the first is kept)',
          archive: await dockerArchive([
            { tags: ['hostile/first-ok:1'], config: fresh.config, layers: [fresh.layer] },
            { tags: ['hostile/second-bad:1'], config: sound.config, layers: [other.layer] },
          ]),
          message: new RegExp(`^invalid diffID for layer 0: .*"${other.diffId}"`),
        },
        {
          what: 'an archive whose layer has an entry climbing out of the layer',
          archive: await dockerArchive([{ tags: ['hostile/layer:1'], config: escapingLayer.config, layers: [escapingLayer.layer] }]),
          message: `${JSON.stringify(climbTo(join(canary, 'evil-in-layer')))} is outside of the layer root`,
        },
        {
          what: 'broken JSON as manifest.json',
          archive: await dockerArchive([soundImage(['x:1'])], { manifest: '[{"Config": "image0.json", ' }),
          message: /^manifest\.json: invalid JSON: /,
        },
        {
          what: 'a 100000-deep JSON array as manifest.json',
          archive: await dockerArchive([soundImage(['x:1'])], { manifest: '['.repeat(100_000) + ']'.repeat(100_000) }),
          message: 'manifest.json: JSON nested deeper than 64 levels',
        },
        {
          what: 'an archive whose manifest.json tags the image Foo',
          archive: await dockerArchive([soundImage(['Foo'])]),
          message: /^(invalid reference "Foo" in manifest\.json: )?invalid reference format: repository name (\(library\/Foo\) )?must be lowercase$/,
        },
      ],
      escapingRootfs: await tarBytes([
        fileEntry('etc/hostname', 'imported\n'),
        fileEntry('../evil-import', 'x'),
        fileEntry(climbTo(join(canary, 'evil-import')), 'x'),
      ]),
      soundRootfs: await tarBytes([fileEntry('etc/hostname', 'imported\n')]),
    };
  }

  async function listing() {
    return treeListing(daemon.dataRoot, { exclude: notContent });
  }

  /** Nothing was written where the hostile names point, in the canary dir, in /tmp or to /etc/passwd. */
  async function nothingOutside() {
    expect(await readdir(canary)).toEqual([]);
    expect(escapeTargets.filter((p) => existsSync(p))).toEqual([]);
    const newInTmp = (await readdir(tmpdir())).filter((n) => !tmpBefore.has(n) && /evil|passwd/.test(n));
    expect(newInTmp).toEqual([]);
    expect(sha256Hex(readFileSync('/etc/passwd'))).toBe(passwd);
  }

  /** Runs `request` and checks the data root lists exactly as before and nothing was written outside it. */
  async function leavesStoreAsItWas<T>(request: () => Promise<T>): Promise<T> {
    const before = await listing();
    const result = await request();
    expect(await listing()).toEqual(before);
    await nothingOutside();
    return result;
  }

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'strata-integrity-'));
    canary = join(work, 'canary');
    await mkdir(canary);
    tmpBefore = new Set(await readdir(tmpdir()));
    passwd = sha256Hex(readFileSync('/etc/passwd'));
    daemon = await startStratad();
    for (const f of [base, perms]) expect(await daemon.docker(['load', '-i', f.tar]), f.name).toMatchObject({ code: 0, stdout: `Loaded image: ${f.tag}\n` });
    hostile = await hostileInputs();
    const cwd = readlinkSync(`/proc/${daemon.pid}/cwd`);
    const dirs = [cwd, daemon.dir, daemon.dataRoot, join(daemon.dataRoot, 'tmp'), join(daemon.dataRoot, 'content'), join(daemon.dataRoot, 'content/blobs/sha256'), work];
    escapeTargets = dirs.flatMap((d) => ['evil', 'evil-import', 'evil-in-layer'].flatMap((n) => [resolve(d, '..', n), resolve(d, '../..', n), resolve(d, n)]));
    await nothingOutside();
  });
  afterAll(async () => {
    await daemon?.dispose();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('the listing covers the two images: their config blobs, layer blobs and index.json', async () => {
    const lines = await listing();
    for (const f of [base, perms]) {
      expect(lines.some((l) => l.startsWith(`content/blobs/sha256/${f.inspect.Id.slice(7)} file 0`))).toBe(true);
      for (const diffId of (f.inspect.RootFS as { Layers: string[] }).Layers) {
        // docker load keeps uncompressed layers as they come, so each layer blob is named by its diffID
        expect(lines.some((l) => l.startsWith(`content/blobs/sha256/${diffId.slice(7)} file 0`)), diffId).toBe(true);
      }
    }
    expect(lines.some((l) => /^content\/index\.json file 0\d{3} \d+ sha256:[0-9a-f]{64}$/.test(l))).toBe(true);
    expect(lines.filter((l) => l.startsWith('strata.lock'))).toEqual([]);
  });

  it('docker load refuses each hostile archive (from a file and from stdin)', async () => {
    for (const [i, { what, archive, message }] of hostile.loads.entries()) {
      const file = join(work, `hostile-${i}.tar`);
      await writeFile(file, archive);
      for (const args of [['load', '-i', file], ['load']]) {
        const r = await leavesStoreAsItWas(() => daemon.docker(args, { input: args.length === 1 ? archive : undefined }));
        expect(printedRefusal(r), `${what} (${args.join(' ')})`).toMatch(typeof message === 'string' ? new RegExp(`^${escapeRegExp(message)}$`) : message);
      }
    }
  });

  it('POST /images/load refuses each hostile archive, as an HTTP 400 or an error in the stream', async () => {
    for (const { what, archive, message } of hostile.loads) {
      const res = await leavesStoreAsItWas(() => socketRequest(daemon.socket, 'POST', '/v1.41/images/load?quiet=1', { body: archive, contentType: 'application/x-tar' }));
      const { status, message: said } = refusal(res);
      expect([200, 400], what).toContain(status);
      expect(said, what).toMatch(typeof message === 'string' ? new RegExp(`^${escapeRegExp(message)}$`) : message);
    }
    for (const [body, message] of [
      [Buffer.alloc(0), 'invalid archive: no entries'],
      [Buffer.from('not a tar archive '.repeat(64)), /invalid tar header/],
    ] as const) {
      const res = await leavesStoreAsItWas(() => socketRequest(daemon.socket, 'POST', '/v1.41/images/load?quiet=1', { body, contentType: 'application/x-tar' }));
      expect(refusal(res).message).toMatch(typeof message === 'string' ? new RegExp(`^${escapeRegExp(message)}$`) : message);
    }
  });

  it('docker import refuses a rootfs with ../ entries, and a cut one', async () => {
    const file = join(work, 'escaping-rootfs.tar');
    await writeFile(file, hostile.escapingRootfs);
    for (const args of [['import', file, 'hostile/import:1'], ['import', '-', 'hostile/import:1']]) {
      const r = await leavesStoreAsItWas(() => daemon.docker(args, { input: args[1] === '-' ? hostile.escapingRootfs : undefined }));
      expect(printedRefusal(r), args.join(' ')).toBe('"../evil-import" is outside of the layer root');
    }
    const cut = hostile.escapingRootfs.subarray(0, 700);
    const r = await leavesStoreAsItWas(() => daemon.docker(['import', '-', 'hostile/cut:1'], { input: cut }));
    expect(printedRefusal(r)).toMatch(/unexpected EOF$/);
  });

  it('POST /images/create?fromSrc=- refuses escaping entries and bad repo, tag or changes before storing anything', async () => {
    const create = (query: string, body: Uint8Array) =>
      leavesStoreAsItWas(() => socketRequest(daemon.socket, 'POST', `/v1.41/images/create?fromSrc=-&${query}`, { body, contentType: 'text/plain' }));
    const escaping = refusal(await create('repo=hostile%2Fimport', hostile.escapingRootfs));
    expect([200, 400]).toContain(escaping.status);
    expect(escaping.message).toBe('"../evil-import" is outside of the layer root');
    // The same answers as dockerd 20.10 but for the lowercase message, which names the repository as Docker >= 25 does.
    expect(refusal(await create('repo=Foo', hostile.soundRootfs))).toEqual({ status: 400, message: 'invalid reference format: repository name (library/Foo) must be lowercase' });
    expect(refusal(await create('repo=ok&tag=a%3Ab', hostile.soundRootfs))).toEqual({ status: 400, message: 'invalid tag format' });
    expect(refusal(await create('repo=ok&changes=BOGUS+x', hostile.soundRootfs))).toEqual({ status: 400, message: 'bogus is not a valid change command' });
  });

  it('docker tag, rmi and image inspect with malformed references and unknown images', async () => {
    const lower = (ref: string) => `invalid reference format: repository name (library/${ref}) must be lowercase`;
    const [rmiNotFound] = capturedOutput('rmi_notfound');
    const [inspectNothing, inspectNotFound] = capturedOutput('inspect_notfound');
    const imageNotFound = (capturedJson('inspect_notfound') as Array<{ message?: string }>).find((m) => m.message?.startsWith('no such image'))!.message!;
    const cases: Array<[string[], string, string]> = [
      // The CLI checks both names of `docker tag` itself: a malformed one never reaches the daemon.
      [['tag', 'Foo', 'ok/target:1'], '', `Error parsing reference: "Foo" is not a valid repository/tag: ${lower('Foo')}`],
      [['tag', base.tag, 'Foo'], '', `Error parsing reference: "Foo" is not a valid repository/tag: ${lower('Foo')}`],
      [['tag', 'a:b:c', 'ok/target:1'], '', 'Error parsing reference: "a:b:c" is not a valid repository/tag: invalid reference format'],
      [['tag', base.tag, 'a:b:c'], '', 'Error parsing reference: "a:b:c" is not a valid repository/tag: invalid reference format'],
      // UPPER/case is a registry host "UPPER" and a repository "case" in the reference grammar of CLI 28 and Docker >= 25
      [['tag', 'UPPER/case', 'ok/target:1'], '', 'Error response from daemon: No such image: UPPER/case:latest'],
      [['tag', 'nosuch:latest', 'ok/target:1'], '', 'Error response from daemon: No such image: nosuch:latest'],
      [['rmi', 'Foo'], '', `Error response from daemon: ${lower('Foo')}`],
      [['rmi', 'a:b:c'], '', 'Error response from daemon: invalid reference format'],
      [['rmi', 'UPPER/case'], '', 'Error response from daemon: No such image: UPPER/case:latest'],
      [['rmi', 'nosuch:latest'], '', rmiNotFound],
      [['rmi', zeroId], '', `Error response from daemon: No such image: ${zeroId}`],
      [['image', 'inspect', 'Foo'], '[]', `Error response from daemon: ${lower('Foo')}`],
      [['image', 'inspect', 'a:b:c'], '[]', 'Error response from daemon: invalid reference format'],
      [['image', 'inspect', 'UPPER/case'], '[]', 'Error response from daemon: no such image: UPPER/case: No such image: UPPER/case:latest'],
      [['image', 'inspect', 'nosuch'], '[]', `Error response from daemon: ${imageNotFound}`],
      [['inspect', 'nosuch'], inspectNothing, inspectNotFound],
      [['save', 'nosuch:latest'], '', 'Error response from daemon: No such image: nosuch:latest'],
    ];
    for (const [args, stdout, stderr] of cases) {
      const r = await leavesStoreAsItWas(() => daemon.docker(args));
      expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }, args.join(' ')).toEqual({ code: 1, stdout: stdout ? `${stdout}\n` : '', stderr: `${stderr}\n` });
    }
  });

  it('plain HTTP: tag, delete and inspect with malformed references and unknown images', async () => {
    const lower = 'invalid reference format: repository name (library/Foo) must be lowercase';
    const capturedMessage = (name: string): string => (capturedJson(name) as Array<{ message?: string }>).find((m) => m.message?.toLowerCase().startsWith('no such image'))!.message!;
    const source = encodeURIComponent(base.tag);
    const cases: Array<[string, string, number, string]> = [
      ['POST', '/v1.41/images/Foo/tag?repo=ok%2Ftarget&tag=1', 400, lower],
      // dockerd 20.10 answers 500 for a bad target name; the fault is the client's, so 400 as for every other malformed name
      ['POST', `/v1.41/images/${source}/tag?repo=Foo`, 400, lower],
      ['POST', `/v1.41/images/${source}/tag?repo=a%3Ab%3Ac`, 400, 'invalid reference format'],
      ['POST', `/v1.41/images/${source}/tag?repo=ok&tag=a%3Ab`, 400, 'invalid tag format'],
      ['POST', '/v1.41/images/nosuch/tag?repo=ok%2Ftarget', 404, 'No such image: nosuch:latest'],
      ['DELETE', '/v1.41/images/Foo', 400, lower],
      ['DELETE', '/v1.41/images/a%3Ab%3Ac', 400, 'invalid reference format'],
      ['DELETE', '/v1.41/images/nosuch:latest', 404, capturedMessage('rmi_notfound')],
      ['DELETE', `/v1.41/images/${zeroId}`, 404, `No such image: ${zeroId}`],
      ['GET', '/v1.41/images/Foo/json', 400, lower],
      ['GET', '/v1.41/images/a%3Ab%3Ac/json', 400, 'invalid reference format'],
      ['GET', '/v1.41/images/nosuch/json', 404, capturedMessage('inspect_notfound')],
    ];
    for (const [method, path, status, message] of cases) {
      const res = await leavesStoreAsItWas(() => socketRequest(daemon.socket, method, path));
      expect({ status: res.status, json: res.json }, `${method} ${path}`).toEqual({ status, json: { message } });
      expect(res.headers['content-type'], `${method} ${path}`).toMatch(/^application\/json/);
    }
  });

  it('control: the same archive made soundly loads and changes the listing; so does a good tag', async () => {
    const before = await listing();
    const archive = await dockerArchive([{ tags: ['control/sound:1'], config: hostile.sound.config, layers: [hostile.sound.layer] }]);
    expect(await daemon.docker(['load'], { input: archive })).toMatchObject({ code: 0, stdout: 'Loaded image: control/sound:1\n', stderr: '' });
    const afterLoad = await listing();
    expect(afterLoad.filter((l) => !before.includes(l)).some((l) => l.startsWith(`content/blobs/sha256/${hostile.sound.imageId.slice(7)} `))).toBe(true);
    expect((await daemon.docker(['tag', base.tag, 'control/tagged:1'])).code).toBe(0);
    expect(await listing()).not.toEqual(afterLoad);
    await nothingOutside();
  });
});

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
