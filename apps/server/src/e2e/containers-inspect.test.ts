import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixturesDir } from '../captureFixtures.js';
import { startStratad, type StratadProcess } from './stratadProcess.js';
import { containerE2eSkipReason } from './containerE2eSkip.js';

const skipReason = containerE2eSkipReason();
if (skipReason) console.log(`container inspect e2e skipped: ${skipReason}`);

const FIXTURES = ['01-base', '02-whiteout', '03-opaque', '04-links', '05-perms', '06-multistage', '07-metadata'];

/** The `docker run ...` line of a fixture's container-command.txt as argv (bash's %q quoting: backslash escapes only). */
function runArgs(fixture: string): string[] {
  const text = readFileSync(join(fixturesDir, 'images', fixture, 'container-command.txt'), 'utf8');
  const line = /^# docker run (.*)$/m.exec(text)?.[1];
  if (!line) throw new Error(`${fixture}: no '# docker run' line`);
  const args: string[] = ['run'];
  let word = '';
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '\\') word += line[++i];
    else if (line[i] === ' ') {
      if (word) args.push(word);
      word = '';
    } else word += line[i];
  }
  if (word) args.push(word);
  return args;
}

/** Paths (dotted, `[]` for array items) whose values belong to one run: compared by type, and non-empty where dockerd's are. */
const RUN_SPECIFIC = [
  'Id', 'Created', 'State.StartedAt', 'State.FinishedAt', 'ResolvConfPath', 'HostnamePath', 'HostsPath', 'LogPath',
  'GraphDriver.Data.LowerDir', 'GraphDriver.Data.MergedDir', 'GraphDriver.Data.UpperDir', 'GraphDriver.Data.WorkDir', 'Config.Hostname',
  'Mounts[].Name', 'Mounts[].Source',
];

/** dockerd lists mounts in its map's order (random): both sides are compared sorted by destination. */
const byDestination = (mounts: unknown) =>
  Array.isArray(mounts) ? [...(mounts as Array<{ Destination?: string }>)].sort((a, b) => String(a.Destination).localeCompare(String(b.Destination))) : mounts;
/** Run-specific values of the network sandbox, empty until the networking work gives containers a sandbox ID. */
const NETWORK_IDS = ['NetworkSettings.SandboxID', 'NetworkSettings.SandboxKey', 'NetworkSettings.Networks.none.NetworkID'];

/** Every difference of shape (keys, types) and of value outside the run-specific paths. */
function differences(docker: unknown, strata: unknown, path = ''): string[] {
  const where = path || '(root)';
  const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
  if (kind(docker) !== kind(strata)) return [`${where}: ${kind(docker)} in dockerd, ${kind(strata)} in strata`];
  if (RUN_SPECIFIC.includes(path) || NETWORK_IDS.includes(path)) {
    if (!NETWORK_IDS.includes(path) && docker !== '' && strata === '') return [`${where}: empty in strata`];
    return [];
  }
  if (Array.isArray(docker) && Array.isArray(strata)) {
    if (docker.length !== strata.length) return [`${where}: ${docker.length} items in dockerd, ${strata.length} in strata`];
    return docker.flatMap((d, i) => differences(d, strata[i], `${path}[]`));
  }
  if (kind(docker) === 'object') {
    const d = docker as Record<string, unknown>;
    const s = strata as Record<string, unknown>;
    const out: string[] = [];
    for (const key of Object.keys(d)) if (!(key in s)) out.push(`${path ? `${path}.` : ''}${key}: missing in strata`);
    for (const key of Object.keys(s)) if (!(key in d)) out.push(`${path ? `${path}.` : ''}${key}: not in dockerd's`);
    for (const key of Object.keys(d)) if (key in s) out.push(...differences(d[key], s[key], path ? `${path}.${key}` : key));
    return out;
  }
  return docker === strata ? [] : [`${where}: ${JSON.stringify(docker)} in dockerd, ${JSON.stringify(strata)} in strata`];
}

describe.skipIf(skipReason !== '')("container inspect against the fixtures' container-inspect.json", () => {
  let daemon: StratadProcess;
  const docker = (...args: string[]) => daemon.docker(args, { timeoutMs: 60_000 });

  beforeAll(async () => {
    daemon = await startStratad();
  });

  afterAll(async () => {
    const ids = daemon ? (await docker('ps', '-a', '-q')).stdout.split('\n').filter(Boolean) : [];
    if (ids.length > 0) await docker('rm', '-f', ...ids);
    await daemon?.dispose();
  });

  it.each(FIXTURES)('%s: the same container made on strata inspects with the same keys, types and values', async (fixture) => {
    const expected = (JSON.parse(readFileSync(join(fixturesDir, 'images', fixture, 'container-inspect.json'), 'utf8')) as Array<Record<string, unknown>>)[0];
    expect((await docker('load', '-i', join(fixturesDir, 'images', fixture, 'image.tar'))).code).toBe(0);
    const run = await docker(...runArgs(fixture));
    expect(run.code).toBe(0);
    const inspected = await docker('inspect', `fx-${fixture}`);
    expect(inspected.code).toBe(0);
    const actual = (JSON.parse(inspected.stdout) as Array<Record<string, unknown>>)[0];

    expect(differences({ ...expected, Mounts: byDestination(expected.Mounts) }, { ...actual, Mounts: byDestination(actual.Mounts) })).toEqual([]);

    // Run-specific values still mean something: the hostname is the short ID, the files exist.
    expect((actual.Config as { Hostname: string }).Hostname).toBe((actual.Id as string).slice(0, 12));
    for (const key of ['ResolvConfPath', 'HostnamePath', 'HostsPath', 'LogPath']) expect(existsSync(actual[key] as string)).toBe(true);
  }, 90_000);
});
