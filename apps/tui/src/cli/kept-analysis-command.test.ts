import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine } from '@strata/core';
import { DataRootLock, openDataRoot } from '@strata/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureArchivePath } from '../testing/fixture-archive.js';
import { runAnalyze } from './analyze-command.js';
import { runKeptAnalysis } from './kept-analysis-command.js';

const cli = join(dirname(fileURLToPath(import.meta.url)), '../../dist/cli.js');
let dir: string;
let root: string;

function strata(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, '--data-root', root, ...args], { cwd: dir, timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
}

/** An `out` for the commands that keeps what they print. */
function captured() {
  const stdout: Buffer[] = [];
  let stderr = '';
  return {
    out: { stdout: (s: string | Uint8Array) => void stdout.push(Buffer.from(s)), stderr: (s: string) => void (stderr += s) },
    stdout: () => Buffer.concat(stdout),
    stderr: () => stderr,
  };
}

/** What the kept-analysis command and the full command print and return for the same arguments. */
async function both(args: string[]) {
  const kept = captured();
  const keptStatus = await runKeptAnalysis(root, args, kept.out);
  const full = captured();
  const fullStatus = await runAnalyze(root, args, full.out);
  return { keptStatus, fullStatus, kept, full };
}

/** Every file of the data root with its size and mtime. */
function storeFiles(): string[] {
  return (readdirSync(root, { recursive: true }) as string[])
    .map((n) => {
      const s = statSync(join(root, n));
      return `${n} ${s.isDirectory() ? 'dir' : s.size} ${s.mtimeMs}`;
    })
    .sort();
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'strata-kept-analysis-'));
  root = join(dir, 'root');
  for (const f of ['01-base', '02-whiteout', '03-opaque']) expect(strata('load', fixtureArchivePath(f)).status).toBe(0);
}, 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('strata analyze, repeated: answered from the kept analysis', () => {
  it('writes byte for byte what the full command writes, and prints the same summary, touching nothing in the store', async () => {
    const first = join(dir, 'first.json');
    expect(await runKeptAnalysis(root, ['fixture/03-opaque:v1', '--json', first], captured().out)).toBeUndefined();
    expect(existsSync(first)).toBe(false);
    // The full command computes the analysis (and keeps it); then the kept one answers.
    const computed = captured();
    expect(await runAnalyze(root, ['fixture/03-opaque:v1', '--json', first], computed.out)).toBe(0);
    const again = join(dir, 'again.json');
    const kept = captured();
    const before = storeFiles();
    expect(await runKeptAnalysis(root, ['fixture/03-opaque:v1', '--json', again], kept.out)).toBe(0);
    expect(storeFiles()).toEqual(before);
    expect(readFileSync(again).equals(readFileSync(first))).toBe(true);
    expect(readFileSync(again, 'utf8').endsWith('}\n')).toBe(true);
    expect(JSON.parse(readFileSync(again, 'utf8')).layers[2].opaqueDirs).toEqual(['config']);
    expect(statSync(again).mode).toBe(statSync(first).mode);
    expect(kept.stdout().toString()).toBe(computed.stdout().toString());
    expect(kept.stdout().toString()).toContain('Image: fixture/03-opaque:v1 (sha256:');
    expect(kept.stderr()).toBe('');

    // To stdout ("-"): the document and its newline, no summary.
    const { keptStatus, fullStatus, kept: keptDash, full: fullDash } = await both(['fixture/03-opaque:v1', '--json', '-']);
    expect([keptStatus, fullStatus]).toEqual([0, 0]);
    expect(keptDash.stdout().equals(fullDash.stdout())).toBe(true);
    expect(keptDash.stdout().equals(readFileSync(first))).toBe(true);

    // The command a user runs: the same file, the same summary, no temp file left.
    const viaCli = join(dir, 'cli.json');
    // The full command would take the data root's lock (a file created and removed in the root): the kept one reads only.
    const rootChanged = statSync(root).mtimeMs;
    const r = strata('analyze', 'fixture/03-opaque:v1', '--json', viaCli);
    expect(r.status).toBe(0);
    expect(statSync(root).mtimeMs).toBe(rootChanged);
    expect(readFileSync(viaCli).equals(readFileSync(first))).toBe(true);
    expect(r.stdout.toString()).toBe(computed.stdout().toString());
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);

    // A file that cannot be written fails as it does for the full command, leaving no temp file behind.
    const aDirectory = join(dir, 'a-directory');
    mkdirSync(join(aDirectory, 'inside'), { recursive: true });
    for (const target of [aDirectory, join(dir, 'missing', 'a.json')]) {
      const { keptError, fullError } = {
        keptError: await runKeptAnalysis(root, ['fixture/03-opaque:v1', '--json', target], captured().out).catch((e: NodeJS.ErrnoException) => e.code),
        fullError: await runAnalyze(root, ['fixture/03-opaque:v1', '--json', target], captured().out).catch((e: NodeJS.ErrnoException) => e.code),
      };
      expect(keptError).toBe(fullError);
      expect(keptError).toMatch(/^E[A-Z]+$/);
    }
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('--ci uses the kept analysis: the full command verdicts and report, the forbidden paths read from the kept document', async () => {
    expect(await runAnalyze(root, ['fixture/02-whiteout:v1'], captured().out)).toBe(0);
    const strict = join(dir, 'strict.yaml');
    writeFileSync(strict, 'rules:\n  lowest-efficiency: 0.999999\n  highest-wasted-bytes: 6\n  max-layers: 2\n  forbidden-paths:\n    - /data/**\n  no-secrets: true\n');
    const failing = await both(['fixture/02-whiteout:v1', '--ci', '--ci-config', strict]);
    expect([failing.keptStatus, failing.fullStatus]).toEqual([1, 1]);
    expect(failing.kept.stderr()).toBe(failing.full.stderr());
    expect(failing.kept.stdout().toString()).toBe(failing.full.stdout().toString());
    expect(failing.kept.stderr()).toContain('FAIL: forbiddenPaths: forbidden paths shipped: /data/keep.txt (layer 1, matches /data/**)');
    expect(failing.kept.stderr()).toContain('Result:FAIL [Total:6] [Passed:1] [Failed:5] [Warn:0] [Skipped:0]');
    const loose = join(dir, 'loose.yaml');
    writeFileSync(loose, 'rules:\n  lowest-efficiency: 0.9\n  highest-wasted-bytes: 1KB\n  highest-user-wasted-percent: 0.5\n');
    const passing = await both(['fixture/02-whiteout:v1', '--ci', '--ci-config', loose]);
    expect([passing.keptStatus, passing.fullStatus]).toEqual([0, 0]);
    expect(passing.kept.stdout().toString()).toBe(passing.full.stdout().toString());
    expect(passing.kept.stdout().toString()).toContain('Result:PASS [Total:3] [Passed:3] [Failed:0] [Warn:0] [Skipped:0]');
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'rules:\n  lowest-efficency: 0.9\n');
    const unusable = await both(['fixture/02-whiteout:v1', '--ci', '--ci-config', bad]);
    expect([unusable.keptStatus, unusable.fullStatus]).toEqual([4, 4]);
    expect(unusable.kept.stderr()).toBe(unusable.full.stderr());
  });

  it('leaves to the full command what it cannot answer for certain: stale, owned by another, an archive, no such image, help', async () => {
    expect(await runAnalyze(root, ['fixture/02-whiteout:v1', '--top', '3'], captured().out)).toBe(0);
    expect(await runKeptAnalysis(root, ['fixture/02-whiteout:v1', '--top', '3'], captured().out)).toBe(0);
    // Another list length is another analysis.
    expect(await runKeptAnalysis(root, ['fixture/02-whiteout:v1', '--top', '4'], captured().out)).toBeUndefined();
    // A new tag changes the names the document holds: the kept analysis is stale.
    const data = await openDataRoot(root, { hashThread: false });
    try {
      await createEngine(data.ports).tagImage('fixture/02-whiteout:v1', 'fixture/02-whiteout', 'again');
    } finally {
      await data.close();
    }
    expect(await runKeptAnalysis(root, ['fixture/02-whiteout:v1', '--top', '3'], captured().out)).toBeUndefined();
    const computed = captured();
    expect(await runAnalyze(root, ['fixture/02-whiteout:v1', '--top', '3'], computed.out)).toBe(0);
    const kept = captured();
    expect(await runKeptAnalysis(root, ['fixture/02-whiteout:again', '--top', '3'], kept.out)).toBe(0);
    expect(kept.stdout().toString()).toContain('Image: fixture/02-whiteout:again, fixture/02-whiteout:v1 (sha256:');
    expect(kept.stdout().toString()).toBe(computed.stdout().toString());

    // While a process owns the data root, its owner answers (the full command asks it).
    const lock = await DataRootLock.acquire(root);
    try {
      expect(await runKeptAnalysis(root, ['fixture/02-whiteout:v1', '--top', '3'], captured().out)).toBeUndefined();
    } finally {
      await lock.release();
    }
    expect(await runKeptAnalysis(root, [fixtureArchivePath('02-whiteout')], captured().out)).toBeUndefined();
    expect(await runKeptAnalysis(root, ['no/such:image'], captured().out)).toBeUndefined();
    expect(await runKeptAnalysis(root, ['--help'], captured().out)).toBeUndefined();
    expect(await runKeptAnalysis(root, [], captured().out)).toBeUndefined();
    expect(await runKeptAnalysis(join(dir, 'no-root'), ['fixture/02-whiteout:v1'], captured().out)).toBeUndefined();
    expect(existsSync(join(dir, 'no-root'))).toBe(false);
    // The command a user runs says what the full command says.
    expect(strata('analyze', 'no/such:image')).toMatchObject({ status: 2, stderr: 'strata: No such image: no/such:image\n' });
  });
});
