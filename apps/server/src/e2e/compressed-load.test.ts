import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerBinary } from '../dockerCli.js';
import { fixtureImage } from './fixtureImages.js';
import { startStratad, type StratadProcess } from './stratadProcess.js';

const fixture = fixtureImage('02-whiteout');
const tools = [
  ['gzip', ['-c']],
  ['bzip2', ['-c']],
  ['xz', ['-c', '-T1']],
  ['zstd', ['-c', '-q']],
] as const;
const has = (tool: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`]);
    return true;
  } catch {
    return false;
  }
};

describe.skipIf(!dockerBinary)('docker load takes compressed archives, as dockerd sniffs them', () => {
  let daemon: StratadProcess;
  beforeAll(async () => {
    daemon = await startStratad();
  });
  afterAll(async () => {
    await daemon?.dispose();
  });

  for (const [tool, args] of tools) {
    it.skipIf(!has(tool))(`${tool}-compressed, from stdin`, async () => {
      const compressed = execFileSync(tool, [...args, fixture.tar], { maxBuffer: 64 << 20 });
      const r = await daemon.docker(['load'], { input: compressed });
      expect(r).toMatchObject({ code: 0, stdout: `Loaded image: ${fixture.tag}\n` });
      const ids = await daemon.docker(['images', '--no-trunc', '--format', '{{.ID}}']);
      expect(ids.stdout.trim()).toBe(fixture.inspect.Id);
      expect((await daemon.docker(['rmi', fixture.tag])).code).toBe(0);
    });
  }

  it('a corrupt xz stream is refused with the tool\'s error, and nothing is loaded', async () => {
    if (!has('xz')) return;
    const compressed = execFileSync('xz', ['-c', '-T1', fixture.tar], { maxBuffer: 64 << 20 });
    compressed[compressed.length >> 1] ^= 0xff;
    const r = await daemon.docker(['load'], { input: compressed });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/xz|corrupt|unexpected/i);
    expect((await daemon.docker(['images', '-q'])).stdout).toBe('');
    expect(readFileSync(fixture.tar).length).toBeGreaterThan(0);
  });
});
