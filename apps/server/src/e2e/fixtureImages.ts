// Test support: the seven `docker save` fixtures and what real Docker said about them.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixturesDir } from '../captureFixtures.js';

export const fixtureNames = ['01-base', '02-whiteout', '03-opaque', '04-links', '05-perms', '06-multistage', '07-metadata'] as const;

export interface FixtureImage {
  name: string;
  tar: string;
  /** The tag in the archive's manifest.json (`fixture/02-whiteout:v1`). */
  tag: string;
  inspect: Record<string, unknown> & { Id: string; Size: number };
  /** `docker history --no-trunc --format '{{json .}}'` lines. */
  history: Array<Record<string, string>>;
  /** Paths of the layer tars inside the archive, bottom first. */
  layerPaths: string[];
}

/** Reads one fixture's archive path and listings. */
export function fixtureImage(name: string): FixtureImage {
  const dir = join(fixturesDir, 'images', name);
  const digests = JSON.parse(readFileSync(join(dir, 'digests.json'), 'utf8')) as { 'manifest.json': Array<{ RepoTags: string[]; Layers: string[] }> };
  const [manifest] = digests['manifest.json'];
  return {
    name,
    tar: join(dir, 'image.tar'),
    tag: manifest.RepoTags[0],
    inspect: (JSON.parse(readFileSync(join(dir, 'inspect.json'), 'utf8')) as FixtureImage['inspect'][])[0],
    history: readFileSync(join(dir, 'history.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>),
    layerPaths: manifest.Layers,
  };
}

/** The bytes of one member of a fixture archive (e.g. a layer tar to import as a rootfs). */
export function archiveMember(tar: string, member: string): Buffer {
  const r = spawnSync('tar', ['-xOf', tar, member], { maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`tar -xOf ${tar} ${member}: ${r.stderr.toString()}`);
  return r.stdout;
}

/** go-units HumanSizeWithPrecision as the docker CLI prints sizes (decimal units, `precision` significant digits). */
export function humanSize(bytes: number, precision = 3): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let i = 0;
  while (value >= 1000 && i < units.length - 1) {
    value /= 1000;
    i++;
  }
  return `${Number(value.toPrecision(precision))}${units[i]}`;
}
