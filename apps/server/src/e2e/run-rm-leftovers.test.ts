import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixturesDir } from '../captureFixtures.js';
import { startStratad, type StratadProcess } from './stratadProcess.js';
import { containerE2eSkipReason } from './containerE2eSkip.js';

const skipReason = containerE2eSkipReason();
if (skipReason) console.log(`run --rm leftovers e2e skipped: ${skipReason}`);

const RUNC_ROOT = '/run/strata/runc';

/** Every place on the host where a container of this engine leaves a trace while it exists. */
function tracesOf(dataRoot: string, id: string): string[] {
  const found: string[] = [];
  for (const path of [join(dataRoot, 'containers', id), join(dataRoot, 'exits', id), join(dataRoot, 'metadata/containers', `${id}.json`), join(RUNC_ROOT, id)]) {
    if (existsSync(path)) found.push(path);
  }
  // cgroup v1 controllers and the unified hierarchy each get `strata/<id>`.
  for (const hierarchy of readdirSync('/sys/fs/cgroup')) {
    const path = join('/sys/fs/cgroup', hierarchy, 'strata', id);
    if (existsSync(path)) found.push(path);
  }
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) if (line.includes(id)) found.push(`mount: ${line.split(' ')[4]}`);
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmdline.includes(id)) found.push(`process ${pid}: ${cmdline.slice(0, 60)}`);
    } catch {
      // the process ended while being read
    }
  }
  return found;
}

describe.skipIf(skipReason !== '')('docker run --rm leaves nothing behind', () => {
  let daemon: StratadProcess;
  let cidDir: string;
  const docker = (...args: string[]) => daemon.docker(args, { timeoutMs: 30_000 });

  beforeAll(async () => {
    daemon = await startStratad(['--bridge=none']);
    cidDir = mkdtempSync(join(tmpdir(), 'strata-cid-'));
    const load = await docker('load', '-i', join(fixturesDir, 'images/01-base/image.tar'));
    expect(load.stdout).toBe('Loaded image: busybox:local\n');
  });

  afterAll(async () => {
    await daemon?.dispose();
    if (cidDir) rmSync(cidDir, { recursive: true, force: true });
  });

  it('output complete and exit code right; gone from ps -a when the CLI returns; then no dir, record, exit file, runc state, cgroup, mount or conmon', async () => {
    const ids: string[] = [];
    for (const [i, script, code] of [[0, 'echo out; echo err >&2; exit 7', 7], [1, 'busybox true', 0], [2, 'seq 1 3000', 0]] as const) {
      const cidfile = join(cidDir, `cid-${i}`);
      const r = await docker('run', '--rm', '--cidfile', cidfile, 'busybox:local', 'sh', '-c', script);
      const expected = i === 0 ? { stdout: 'out\n', stderr: 'err\n' } : i === 1 ? { stdout: '', stderr: '' } : { stdout: Array.from({ length: 3000 }, (_, n) => `${n + 1}\n`).join(''), stderr: '' };
      expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code, ...expected });
      // Docker's promise to the CLI: the container is gone once `run --rm` returns.
      expect((await docker('ps', '-a', '-q', '--no-trunc')).stdout).toBe('');
      ids.push(readFileSync(cidfile, 'utf8').trim());
    }
    expect(ids.every((id) => /^[0-9a-f]{64}$/.test(id))).toBe(true);
    // The runtime's cleanup finishes after the answer; it must still leave nothing.
    await expect.poll(() => ids.flatMap((id) => tracesOf(daemon.dataRoot, id)), { timeout: 15_000 }).toEqual([]);
    await expect.poll(() => readdirSync(join(daemon.dataRoot, 'tmp')), { timeout: 15_000 }).toEqual([]);
  });
});
