// docker stats through the real docker CLI against stratad: the figures come from the container's
// cgroup, in dockerd's JSON shape (the keys of the fixtures' capture of a real dockerd).
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturesDir } from '../captureFixtures.js';
import { socketRequest } from './socketRequest.js';
import { startStratad, type StratadProcess } from './stratadProcess.js';
import { containerE2eSkipReason } from './containerE2eSkip.js';

const skipReason = containerE2eSkipReason();
if (skipReason) console.log(`container stats e2e skipped: ${skipReason}`);

/** The stats frame dockerd 20.10 answered in the `docker stats --no-stream` capture. */
function capturedFrame(): Record<string, unknown> {
  const text = readFileSync(join(fixturesDir, 'docker-api-captures', 'stats_no_stream.txt'), 'utf8');
  const json = text.split('\n').find((l) => l.startsWith('{"read"'))!;
  return JSON.parse(json.replace(/\\n$/, '')) as Record<string, unknown>;
}

type Frame = {
  read: string;
  preread: string;
  name: string;
  id: string;
  pids_stats: { current?: number };
  cpu_stats: { cpu_usage: { total_usage: number }; system_cpu_usage?: number; online_cpus?: number };
  precpu_stats: { cpu_usage: { total_usage: number }; system_cpu_usage?: number };
  memory_stats: { usage?: number; limit?: number; stats?: Record<string, number> };
  networks?: Record<string, { rx_bytes: number }>;
};

/** The first `count` frames of a streamed `GET /containers/{name}/stats`, then the connection is closed. */
function streamedFrames(socket: string, name: string, count: number): Promise<Frame[]> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, path: `/v1.41/containers/${name}/stats`, headers: { Host: 'docker' } }, (res) => {
      let text = '';
      const frames: Frame[] = [];
      res.on('data', (chunk: Buffer) => {
        text += chunk.toString('utf8');
        let nl: number;
        while ((nl = text.indexOf('\n')) >= 0 && frames.length < count) {
          frames.push(JSON.parse(text.slice(0, nl)) as Frame);
          text = text.slice(nl + 1);
        }
        if (frames.length >= count) {
          req.destroy();
          resolve(frames);
        }
      });
      res.on('error', () => undefined);
      res.on('end', () => resolve(frames));
    });
    req.on('error', (e) => (req.destroyed ? undefined : reject(e)));
    req.end();
  });
}

describe.skipIf(skipReason !== '')('docker stats against stratad', () => {
  let daemon: StratadProcess;
  const docker = (...args: string[]) => daemon.docker(args, { timeoutMs: 60_000 });

  beforeAll(async () => {
    daemon = await startStratad();
    expect((await docker('load', '-i', join(fixturesDir, 'images', '01-base', 'image.tar'))).code).toBe(0);
    // 8 MiB written to a file: page cache charged to the container's memory cgroup.
    const busy = await docker('run', '-d', '--name', 'st', 'busybox:local', 'sh', '-c', 'busybox dd if=/dev/zero of=/big bs=1M count=8 2>/dev/null; while true; do sleep 1; done');
    expect(busy.code, busy.stderr).toBe(0);
    expect((await docker('run', '-d', '--network', 'none', '--name', 'quiet', 'busybox:local', 'sleep', '600')).code).toBe(0);
    expect((await docker('create', '--name', 'idle', 'busybox:local', 'true')).code).toBe(0);
  }, 180_000);

  afterAll(async () => {
    if (daemon) await docker('rm', '-f', 'st', 'quiet', 'idle');
    await daemon?.dispose();
  }, 90_000);

  it('docker stats --no-stream prints a row of the running container from its cgroup', async () => {
    // dd may still be writing right after run -d: wait until the file is whole.
    for (let i = 0; i < 50; i++) {
      if ((await docker('exec', 'st', 'sh', '-c', 'test $(busybox wc -c < /big) -eq 8388608')).code === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const r = await docker('stats', '--no-stream', '--format', '{{.Name}}|{{.ID}}|{{.CPUPerc}}|{{.MemUsage}}|{{.MemPerc}}|{{.NetIO}}|{{.BlockIO}}|{{.PIDs}}', 'st');
    expect(r.code, r.stderr).toBe(0);
    const [name, id, cpu, mem, memPerc, net, block, pids] = r.stdout.trim().split('|');
    const fullId = (await docker('inspect', '-f', '{{.Id}}', 'st')).stdout.trim();
    expect(name).toBe('st');
    expect(id).toBe(fullId.slice(0, 12));
    expect(cpu).toMatch(/^\d+\.\d\d%$/);
    // sh and sleep.
    expect(pids).toBe('2');
    const [usage, limit] = mem.split(' / ');
    expect(usage).toMatch(/^[\d.]+(MiB|KiB)$/);
    expect(limit).toMatch(/^[\d.]+GiB$/);
    expect(memPerc).toMatch(/^\d+\.\d\d%$/);
    expect(net).toMatch(/^[\d.]+k?B \/ [\d.]+k?B$/);
    expect(block).toMatch(/^[\d.]+[kMG]?B \/ [\d.]+[kMG]?B$/);
  });

  it('one frame (stream=0) has the keys of dockerd\'s, primed CPU figures, the dd file in memory and eth0', async () => {
    const r = await socketRequest(daemon.socket, 'GET', '/v1.41/containers/st/stats?stream=0');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json');
    const frame = r.json as Frame & Record<string, unknown>;
    const captured = capturedFrame();
    // dockerd's capture ran with --network none (no `networks`); ours has the bridge's eth0.
    expect(Object.keys(frame).filter((k) => k !== 'networks').sort()).toEqual(Object.keys(captured).sort());
    expect(Object.keys(frame.cpu_stats).sort()).toEqual(Object.keys(captured.cpu_stats as object).sort());
    // cgroup v2 has no max_usage (dockerd leaves it out there too); the capture was made on v1.
    const unified = existsSync('/sys/fs/cgroup/cgroup.controllers');
    expect(Object.keys(frame.memory_stats).sort()).toEqual(Object.keys(captured.memory_stats as object).filter((k) => !unified || k !== 'max_usage').sort());
    expect(frame.name).toBe('/st');
    expect(Date.parse(frame.read)).toBeGreaterThan(Date.parse(frame.preread));
    expect(frame.cpu_stats.system_cpu_usage).toBeGreaterThan(frame.precpu_stats.system_cpu_usage!);
    expect(frame.cpu_stats.cpu_usage.total_usage).toBeGreaterThanOrEqual(frame.precpu_stats.cpu_usage.total_usage);
    expect(frame.memory_stats.usage).toBeGreaterThanOrEqual(8 * 1024 * 1024);
    expect(frame.memory_stats.stats?.total_cache ?? frame.memory_stats.stats?.file).toBeGreaterThanOrEqual(8 * 1024 * 1024);
    expect(frame.pids_stats.current).toBe(2);
    expect(Object.keys(frame.networks ?? {})).toEqual(['eth0']);
  });

  it('one-shot answers one sample without the priming one; --network none has no networks', async () => {
    const r = await socketRequest(daemon.socket, 'GET', '/v1.41/containers/quiet/stats?stream=0&one-shot=1');
    const frame = r.json as Frame;
    expect(r.status).toBe(200);
    expect(frame.preread).toBe('0001-01-01T00:00:00Z');
    expect(frame.precpu_stats.cpu_usage.total_usage).toBe(0);
    expect(frame.precpu_stats.system_cpu_usage).toBeUndefined();
    expect(frame.pids_stats.current).toBe(1);
    expect(frame.networks).toBeUndefined();
  });

  it('streams a frame a second, each with the previous one\'s CPU figures', async () => {
    const frames = await streamedFrames(daemon.socket, 'st', 3);
    expect(frames).toHaveLength(3);
    expect(frames[0].preread).toBe('0001-01-01T00:00:00Z');
    expect(frames[1].preread).toBe(frames[0].read);
    expect(frames[2].precpu_stats).toEqual(frames[1].cpu_stats);
  });

  it('a container that is not running gets dockerd\'s frame of zeros; an unknown one a 404', async () => {
    const r = await socketRequest(daemon.socket, 'GET', '/v1.41/containers/idle/stats?stream=0');
    const frame = r.json as Frame;
    expect(frame.read).toBe('0001-01-01T00:00:00Z');
    expect(frame.name).toBe('/idle');
    expect(frame.memory_stats).toEqual({});
    const cli = await docker('stats', '--no-stream', '--format', '{{.Name}} {{.CPUPerc}} {{.MemUsage}} {{.PIDs}}', 'idle');
    expect(cli.stdout.trim()).toBe('idle 0.00% 0B / 0B 0');
    const none = await socketRequest(daemon.socket, 'GET', '/v1.41/containers/nosuch/stats?stream=0');
    expect(none.status).toBe(404);
    expect(none.json).toEqual({ message: 'No such container: nosuch' });
  });

  it('a stream of a container that is not running stays open with a frame of zeros a second, as dockerd\'s collector sends', async () => {
    const frames = await streamedFrames(daemon.socket, 'idle', 2);
    expect(frames.map((f) => [f.name, f.read, f.preread])).toEqual([
      ['/idle', '0001-01-01T00:00:00Z', '0001-01-01T00:00:00Z'],
      ['/idle', '0001-01-01T00:00:00Z', '0001-01-01T00:00:00Z'],
    ]);
  });
});
