// Differential test against the real docker CLI: `docker pull X` parses X with
// ParseNormalizedNamed before it talks to a daemon, so pointed at a socket that does not
// exist it prints either Docker's own parse error or "Cannot connect" (input accepted).
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StrataError } from '../errors/index.js';
import { parseNormalizedNamed } from './normalize.js';
import { isNameOnly } from './reference.js';

const hasDocker = (() => {
  try {
    execFileSync('docker', ['--version'], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
})();

const HEX = '1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a';
const F64 = 'f'.repeat(64);

const inputs = [
  // accepted
  'busybox', 'busybox:1.36', 'library/debian', 'docker/docker', 'localhost/debian', 'LOCALDOMAIN/debian',
  'docker.io/debian', 'index.docker.io/library/debian', '127.0.0.1:5000/debian', '192.168.0.1', '192.168.0.1:80',
  '[fc00::1]:5000/docker', '[fc00:1:2:3:4:5:6:7]:5000/library/debian', `docker.io/${HEX}`, 'Docker/docker',
  'docker---rules/docker', 'dock__er/docker', 'jess/t', 'lowercase:Uppercase', `busybox:latest@sha256:${F64}`,
  `busybox@sha256:${F64}`, `validname@sha512:${'f'.repeat(128)}`, 'xn--7o8h.com/myimage:xn--7o8h.com',
  `${'a/'.repeat(127)}a:tag`, `example.com/${'a'.repeat(255)}:tag`, 'foo_bar.com:8080', `foo:${'a'.repeat(128)}`,
  'dbcc1', HEX.slice(0, 63),
  // rejected
  '', 'Foo', 'Uppercase:tag', 'docker/Docker', 'docker.io/docker/Docker', 'test:5000/Uppercase/lowercase:tag', HEX,
  'https://github.com/docker/docker', '-docker', '-docker/docker', 'docker///docker', '[fc00::1]', '[fc00::1]:5000',
  'fc00::1:5000/debian', '[fe80::1%eth0]:5000/debian', '[2001:db8:3:4::192.0.2.33]:5000/debian', 'docker-/docker',
  '____/____', 'dock..er/docker', 'docker/', ':justtag', `@sha256:${F64}`, 'foo:bad~tag', `foo:${'a'.repeat(129)}`,
  `domain/${'a'.repeat(256)}:tag`, `example.com/${'a'.repeat(256)}`, `repo@sha256:${'f'.repeat(34)}`,
  `validname@invaliddigest:${F64}`, `repo@sha256:${'F'.repeat(64)}`, 'aa/asdf$$^/aa', 'foo@bar',
];

/** What our parser says about `input`, in the terms the CLI shows. */
function ours(input: string): { accepted: true; nameOnly: boolean } | { accepted: false; message: string } {
  try {
    return { accepted: true, nameOnly: isNameOnly(parseNormalizedNamed(input)) };
  } catch (e) {
    if (!(e instanceof StrataError)) throw e;
    return { accepted: false, message: e.message };
  }
}

describe.skipIf(!hasDocker)('agrees with the real docker CLI', () => {
  const home = mkdtempSync(join(tmpdir(), 'strata-reference-cli-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));
  const env = { ...process.env, DOCKER_CONFIG: home, DOCKER_HOST: `unix://${join(home, 'no-daemon.sock')}`, DOCKER_CONTEXT: '' };

  const cli = (input: string) =>
    new Promise<{ stdout: string; stderr: string }>((resolve) => {
      execFile('docker', ['pull', '--', input], { env, timeout: 20_000 }, (_err, stdout, stderr) => resolve({ stdout, stderr }));
    });

  it.each(inputs.map((s) => [s.length > 70 ? `${s.slice(0, 70)}…` : s, s] as const))('%s', async (_label, input) => {
    const { stdout, stderr } = await cli(input);
    const mine = ours(input);
    if (stderr.includes('Cannot connect to the Docker daemon')) {
      expect(mine).toEqual({ accepted: true, nameOnly: stdout.includes('Using default tag: latest') });
      return;
    }
    const message = stderr.trim();
    expect(mine.accepted).toBe(false);
    if (mine.accepted) return;
    // Digest errors come from the digest room, which words go-digest's "invalid checksum
    // digest length" and "... format" as one message and adds the offending value.
    const goDigest = /^(invalid checksum digest|unsupported digest algorithm)/.exec(message);
    if (goDigest) expect(mine.message.startsWith(goDigest[1])).toBe(true);
    else expect(mine.message).toBe(message);
  });
});
