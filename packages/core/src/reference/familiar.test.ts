import { describe, expect, it } from 'vitest';
import { fixtureImages, readFixture } from '../../test-support/node.js';
import { familiarName, familiarString } from './familiar.js';
import { parseDockerRef, parseNormalizedNamed } from './normalize.js';
import { parseReference } from './parse.js';
import { referenceName, referenceString } from './reference.js';

const text = (rel: string): string => new TextDecoder().decode(readFixture(rel));

describe('familiar forms', () => {
  const cases: [string, string, string][] = [
    ['docker.io/library/ubuntu:14.04', 'ubuntu', 'ubuntu:14.04'],
    ['docker.io/foo/bar', 'foo/bar', 'foo/bar'],
    ['docker.io/library/foo/bar:x', 'library/foo/bar', 'library/foo/bar:x'],
    ['localhost:5000/foo', 'localhost:5000/foo', 'localhost:5000/foo'],
    ['gcr.io/library/busybox:1', 'gcr.io/library/busybox', 'gcr.io/library/busybox:1'],
    // only index.docker.io is folded into docker.io; the registry's real host is not
    ['index.docker.io/busybox:1', 'busybox', 'busybox:1'],
    ['registry-1.docker.io/busybox:1', 'registry-1.docker.io/busybox', 'registry-1.docker.io/busybox:1'],
  ];
  it.each(cases)('%s shows as %s / %s', (input, name, full) => {
    const r = parseNormalizedNamed(input);
    expect(familiarName(r)).toBe(name);
    expect(familiarString(r)).toBe(full);
  });

  it('normalises ubuntu to docker.io/library/ubuntu:latest and back', () => {
    const r = parseDockerRef('ubuntu');
    expect(referenceString(r)).toBe('docker.io/library/ubuntu:latest');
    expect(familiarString(r)).toBe('ubuntu:latest');
  });

  it('leaves an unnormalised reference as written', () => {
    expect(familiarString(parseReference('library/ubuntu:1'))).toBe('library/ubuntu:1');
  });
});

describe('real docker output', () => {
  // RepoTags and RepoDigests from `docker image inspect` are familiar strings already.
  const shown = fixtureImages.flatMap((name) => {
    const [image] = JSON.parse(text(`images/${name}/inspect.json`)) as { RepoTags: string[]; RepoDigests: string[] }[];
    return [...image.RepoTags, ...image.RepoDigests].map((ref) => [name, ref] as const);
  });
  it('has references to check', () => expect(shown.length).toBeGreaterThan(fixtureImages.length));
  it.each(shown)('%s: %s survives normalise -> familiar', (_image, shownRef) => {
    expect(familiarString(parseNormalizedNamed(shownRef))).toBe(shownRef);
  });

  it('spells pulled and tagged references as the docker CLI sends them (mock_pull_names capture)', () => {
    const capture = text('docker-api-captures/mock_pull_names.txt');
    const requests = [...capture.matchAll(/^POST \/v[\d.]+\/images\/create\?(\S+)$/gm)].map((m) => new URLSearchParams(m[1]));
    const pulls = [...capture.matchAll(/docker pull (-a )?(\S+?)(?:;|$)/gm)].map((m) => ({ all: m[1] !== undefined, input: m[2] }));
    // `docker run` of a missing image pulls too; it comes after the explicit pulls.
    pulls.push({ all: false, input: /docker run .* (\S+);/m.exec(capture)![1] });
    expect(pulls.map((p) => p.input)).toContain('127.0.0.1:5000/busybox');
    expect(requests).toHaveLength(pulls.length);
    for (const [i, { all, input }] of pulls.entries()) {
      const params = requests[i];
      // the capture's header abbreviates a digest as `sha256:000...`; compare what it keeps
      const abbreviated = input.endsWith('...');
      const r = parseDockerRef(abbreviated ? input.slice(0, input.indexOf('@')) : input);
      expect(params.get('fromImage')).toBe(referenceName(r));
      // the CLI sends the digest in the tag parameter; with -a it sends no tag at all
      if (abbreviated) expect(params.get('tag')).toMatch(new RegExp(`^${input.slice(input.indexOf('@') + 1, -3)}`));
      else expect(params.get('tag')).toBe(all ? null : (r.digest ?? r.tag));
    }
    const tag = /^POST \/v[\d.]+\/images\/a\/tag\?(\S+)$/m.exec(capture)!;
    const target = parseDockerRef('b');
    expect(new URLSearchParams(tag[1]).get('repo')).toBe(referenceName(target));
    expect(new URLSearchParams(tag[1]).get('tag')).toBe(target.tag);
  });
});
