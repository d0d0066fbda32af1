import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseArguments } from './arguments.js';

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '../../dist/cli.js');
const testfiles = join(here, '../../../../packages/core/src/build/testdata/buildkit/parser/testfiles');
const tmp = mkdtempSync(join(tmpdir(), 'strata-dockerfile-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('strata dockerfile', () => {
  it('is a command of its own', () => {
    expect(parseArguments(['dockerfile', 'Dockerfile'])).toEqual({ command: 'dockerfile', args: ['Dockerfile'] });
  });

  // Every BuildKit parser testfile, through the built command, compared with its result file line by line.
  for (const dir of readdirSync(testfiles).sort()) {
    it(`prints BuildKit's result for ${dir}`, () => {
      const got = execFileSync(process.execPath, [cli, 'dockerfile', join(testfiles, dir, 'Dockerfile')], { encoding: 'utf8' });
      expect(got.split('\n')).toEqual(readFileSync(join(testfiles, dir, 'result'), 'utf8').split('\n'));
    });
  }

  it('fails with the file and line of a syntax error', () => {
    const file = join(tmp, 'Dockerfile');
    writeFileSync(file, 'FROM busybox\nRUN <<EOF\necho\n');
    const r = spawnSync(process.execPath, [cli, 'dockerfile', file], { encoding: 'utf8' });
    expect([r.status, r.stdout, r.stderr]).toEqual([1, '', `${file}:2: unterminated heredoc\n`]);
  });

  it('prints the empty continuation warning', () => {
    const file = join(tmp, 'Dockerfile.warn');
    writeFileSync(file, 'FROM busybox\nRUN echo \\\n\n  hi\n');
    const r = spawnSync(process.execPath, [cli, 'dockerfile', file], { encoding: 'utf8' });
    expect(r.stdout).toBe('(from "busybox")\n(run "echo   hi")\n');
    expect(r.stderr).toBe('[WARNING]: Empty continuation line found in: RUN echo   hi\n[WARNING]: Empty continuation lines will become errors in a future release.\n');
  });
});
