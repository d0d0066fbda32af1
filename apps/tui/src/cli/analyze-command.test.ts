import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureArchivePath } from '../testing/fixture-archive.js';

const cli = join(dirname(fileURLToPath(import.meta.url)), '../../dist/cli.js');
let dir: string;
let root: string;

function strata(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, '--data-root', root, ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Every file of the data root with its size and mtime (the lock file comes and goes with each command). */
function storeFiles(): string[] {
  return (readdirSync(root, { recursive: true }) as string[])
    .filter((n) => n !== 'strata.lock')
    .map((n) => {
      const s = statSync(join(root, n));
      return `${n} ${s.isDirectory() ? 'dir' : s.size} ${s.mtimeMs}`;
    })
    .sort();
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'strata-analyze-'));
  root = join(dir, 'root');
  for (const f of ['01-base', '02-whiteout', '03-opaque']) expect(strata('load', fixtureArchivePath(f)).status).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('strata analyze', () => {
  it('prints a summary of a stored image: layers, dive figures and ours, the base it found', () => {
    const r = strata('analyze', 'fixture/02-whiteout:v1');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('3 layers, 1.98MB (1982349 bytes); base: 1 layer (image:busybox:local)');
    expect(r.stdout).toContain('efficiency 99.9996 %, wasted 7B (7 bytes), user wasted 43.7500 % of 16B');
    expect(r.stdout).toContain('wasted 11B (11 bytes): 11B deleted but shipped, 0B overwritten');
    expect(r.stdout).toMatch(/7B {2}\/data\/remove-me\.txt {2}\(1 copy in layers 1, deleted\)/);
  });

  it('--json writes the full analysis', () => {
    const out = join(dir, 'a.json');
    expect(strata('analyze', 'fixture/03-opaque:v1', '--json', out).status).toBe(0);
    const a = JSON.parse(readFileSync(out, 'utf8'));
    expect(a.image.names).toEqual(['fixture/03-opaque:v1']);
    expect(a.layers.map((l: { size: number }) => l.size)).toEqual([1982256 + 11 * 7, 18, 12]);
    expect(a.layers[2].opaqueDirs).toEqual(['config']);
    expect(a.dive).toMatchObject({ wastedBytes: 8, userSizeBytes: 30, efficiency: 1982278 / 1982286 });
    expect(a.honest).toMatchObject({ wastedBytes: 18, deletedShippedBytes: 18 });
  });

  it('analyses a docker save archive without loading it, the same as from the store', () => {
    const fromArchive = join(dir, 'archive.json');
    const fromStore = join(dir, 'store.json');
    expect(strata('analyze', fixtureArchivePath('02-whiteout'), '--json', fromArchive).status).toBe(0);
    expect(strata('analyze', 'fixture/02-whiteout:v1', '--json', fromStore).status).toBe(0);
    const a = JSON.parse(readFileSync(fromArchive, 'utf8'));
    const s = JSON.parse(readFileSync(fromStore, 'utf8'));
    expect(a.layers).toEqual(s.layers.map((l: object) => ({ ...l })));
    expect(a.dive).toEqual(s.dive);
    // Alone in its archive, the image has no base image to find: dive's first-layer assumption.
    expect(a.honest.baseSource).toBe('first-layer');
  });

  it('--ci passes with loose rules and fails with a clear report on strict ones', () => {
    writeFileSync(join(dir, 'loose.yaml'), 'rules:\n  lowest-efficiency: 0.9\n  highest-wasted-bytes: 1KB\n  highest-user-wasted-percent: 0.5\n');
    const pass = strata('analyze', 'fixture/02-whiteout:v1', '--ci', '--ci-config', 'loose.yaml');
    expect(pass.status).toBe(0);
    expect(pass.stdout).toContain('Result:PASS [Total:3] [Passed:3] [Failed:0] [Warn:0] [Skipped:0]');
    writeFileSync(
      join(dir, '.dive-ci'),
      '# strict\nrules:\n  lowest-efficiency: 0.999999\n  highest-wasted-bytes: 6\n  highest-user-wasted-percent: disabled\n  max-layers: 2\n  forbidden-paths:\n    - /data/**\n  no-secrets: true\n',
    );
    const fail = strata('analyze', 'fixture/02-whiteout:v1', '--ci');
    expect(fail.status).toBe(1);
    expect(fail.stderr).toContain(`FAIL: lowestEfficiency: image efficiency is too low (efficiency=${1982269 / 1982276} < threshold=0.999999)`);
    expect(fail.stderr).toContain('FAIL: highestWastedBytes: too many bytes wasted (wasted-bytes=7 > threshold=6)');
    expect(fail.stderr).toContain('SKIP: highestUserWastedPercent');
    expect(fail.stderr).toContain('FAIL: maxLayers: too many layers (layers=3 > threshold=2)');
    expect(fail.stderr).toContain('FAIL: forbiddenPaths: forbidden paths shipped: /data/keep.txt (layer 1, matches /data/**), /data/remove-me.txt (layer 1, matches /data/**), /data/subdir (layer 1');
    expect(fail.stderr).toContain('PASS: noSecrets');
    expect(fail.stderr).toContain('Result:FAIL [Total:6] [Passed:1] [Failed:4] [Warn:0] [Skipped:1]');
    rmSync(join(dir, '.dive-ci'));
  });

  it('bad input: distinct exit codes, a message, nothing written', () => {
    const out = join(dir, 'never.json');
    const storeBefore = storeFiles();
    const missing = strata('analyze', 'no/such:image', '--json', out);
    expect(missing).toMatchObject({ status: 2, stderr: 'strata: No such image: no/such:image\n' });
    expect(strata('analyze', join(dir, 'missing.tar'), '--json', out).status).toBe(2);
    const cut = join(dir, 'cut.tar');
    writeFileSync(cut, readFileSync(fixtureArchivePath('02-whiteout')).subarray(0, 20_000));
    const corrupt = strata('analyze', cut, '--json', out);
    expect(corrupt.status).toBe(3);
    expect(corrupt.stderr).toMatch(/^strata: .*cut\.tar: .*EOF/);
    writeFileSync(join(dir, 'unknown.yaml'), 'rules:\n  lowest-efficency: 0.9\n');
    expect(strata('analyze', 'fixture/02-whiteout:v1', '--ci', '--ci-config', 'unknown.yaml', '--json', out)).toMatchObject({
      status: 4,
      stderr: expect.stringContaining('unknown rule "lowest-efficency"'),
    });
    writeFileSync(join(dir, 'range.yaml'), 'rules:\n  highest-user-wasted-percent: 1.5\n');
    expect(strata('analyze', 'fixture/02-whiteout:v1', '--ci', '--ci-config', 'range.yaml').stderr).toContain(
      "highest-user-wasted-percent config value is outside allowed range (0-1), given '1.5'",
    );
    writeFileSync(join(dir, 'bytes.yaml'), 'rules:\n  highest-wasted-bytes: lots\n');
    expect(strata('analyze', 'fixture/02-whiteout:v1', '--ci', '--ci-config', 'bytes.yaml').status).toBe(4);
    expect(strata('analyze').status).toBe(125);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    // The data root is exactly as it was: no record, no temp file, no analysis kept for a failure.
    expect(storeFiles()).toEqual(storeBefore);
  });
});
