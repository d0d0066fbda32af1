import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerBinary, spawnDocker } from '../dockerCli.js';
import { archiveMember, fixtureImage } from './fixtureImages.js';
import { startStratad, type StratadProcess } from './stratadProcess.js';

interface CliEvent {
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  time: number;
}

const parse = (stdout: string) => stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as CliEvent);

describe.skipIf(!dockerBinary)('docker events against stratad', () => {
  let daemon: StratadProcess;
  beforeAll(async () => {
    daemon = await startStratad();
  });
  afterAll(async () => {
    await daemon?.dispose();
  });

  it('replays load, tag, untag, import and delete events between --since and --until', async () => {
    const whiteout = fixtureImage('02-whiteout');
    const base = fixtureImage('01-base');
    const since = Math.floor(Date.now() / 1000);
    expect((await daemon.docker(['load', '-i', whiteout.tar])).code).toBe(0);
    expect((await daemon.docker(['tag', whiteout.tag, 'evtag:1'])).code).toBe(0);
    expect((await daemon.docker(['rmi', 'evtag:1'])).code).toBe(0);
    const imported = (await daemon.docker(['import', '-', 'evimport:1'], { input: archiveMember(base.tar, base.layerPaths[0]) })).stdout.trim();
    expect((await daemon.docker(['rmi', 'evimport:1'])).code).toBe(0);
    const until = Math.floor(Date.now() / 1000) + 1;

    const r = await daemon.docker(['events', '--since', String(since), '--until', String(until), '--format', '{{json .}}'], { timeoutMs: 15_000 });
    expect(r.code).toBe(0);
    const events = parse(r.stdout);
    expect(events.every((e) => e.Type === 'image' && e.time >= since && e.time <= until)).toBe(true);
    const seen = events.map((e) => `${e.Action} ${e.Actor.ID} ${e.Actor.Attributes.name ?? ''}`.trim());
    const wanted = [
      // dockerd names the image by its ID in load events
      `load ${whiteout.inspect.Id} ${whiteout.inspect.Id}`,
      `tag ${whiteout.inspect.Id} ${whiteout.tag}`,
      `tag ${whiteout.inspect.Id} evtag:1`,
      `untag ${whiteout.inspect.Id}`,
      `import ${imported}`,
      `delete ${imported}`,
    ];
    // in this order, each found by its prefix (attributes beyond name may differ)
    let at = -1;
    for (const w of wanted) {
      const i = seen.findIndex((s, idx) => idx > at && s.startsWith(w));
      expect(i, `${w} in\n${seen.join('\n')}`).toBeGreaterThan(at);
      at = i;
    }

    // the CLI's own table format, from timeNano
    const plain = await daemon.docker(['events', '--since', String(since), '--until', String(until), '--filter', 'event=tag']);
    expect(plain.stdout).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z image tag ${whiteout.inspect.Id} \\(name=evtag:1\\)$`, 'm'));
    expect(plain.stdout.trim().split('\n').every((l) => / image tag sha256:[0-9a-f]{64} \(name=/.test(l))).toBe(true);
  });

  it('streams live events as they happen', async () => {
    const base = fixtureImage('01-base');
    expect((await daemon.docker(['load', '-i', base.tar])).code).toBe(0);
    const child = spawnDocker(daemon.host, `${daemon.dir}/docker-config`, ['events', '--filter', 'type=image', '--format', '{{json .}}']);
    let out = '';
    child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    try {
      // the CLI has connected once the daemon counts a listener
      for (let i = 0; i < 100; i++) {
        const info = await daemon.docker(['info', '--format', '{{.NEventsListener}}']);
        if (info.stdout.trim() === '1') break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect((await daemon.docker(['tag', base.tag, 'live:1'])).code).toBe(0);
      for (let i = 0; i < 100 && !out.includes('live:1'); i++) await new Promise((r) => setTimeout(r, 50));
      const [event] = parse(out);
      expect(event).toMatchObject({ Type: 'image', Action: 'tag', Actor: { ID: base.inspect.Id, Attributes: { name: 'live:1' } } });
    } finally {
      if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
    }
  });
});
