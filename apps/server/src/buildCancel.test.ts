import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BuildCancelled, tarBytes, tarEntry, type BuildEvent, type Engine } from '@strata/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDataRootEngine, type DataRootEngine } from './dataRootEngine.js';
import { fixtureImage } from './e2e/fixtureImages.js';

const missing = [
  ['runc', '/usr/sbin/runc'],
  ['conmon', '/usr/bin/conmon'],
].filter(([, path]) => !existsSync(path!)).map(([name]) => name);
const skipReason = missing.length > 0 ? `${missing.join(', ')} missing (apt-get install runc conmon)` : process.getuid?.() !== 0 ? 'RUN steps need root here' : '';
if (skipReason) console.log(`build cancel test skipped: ${skipReason}`);

function contextTar(files: Record<string, string>): ReadableStream<Uint8Array> {
  const bytes = tarBytes(
    Object.entries(files).map(([path, text]) => {
      const body = new TextEncoder().encode(text);
      return { ...tarEntry({ path, type: 'file', size: body.byteLength, mtime: 1_700_000_000 }), body };
    }),
  );
  return new ReadableStream({
    start(c) {
      c.enqueue(bytes);
      c.close();
    },
  });
}

describe.skipIf(skipReason !== '')('engine build: an aborted signal kills the RUN container (runc, as root)', () => {
  let dir: string;
  let opened: DataRootEngine;
  let engine: Engine;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'strata-build-cancel-'));
    opened = await openDataRootEngine(join(dir, 'root'), undefined, {}, { bridge: 'none' });
    engine = opened.engine as unknown as Engine;
    const archive = new Uint8Array(readFileSync(fixtureImage('01-base').tar));
    await engine.loadImages(
      new ReadableStream({
        start(c) {
          c.enqueue(archive);
          c.close();
        },
      }),
    );
  });
  afterAll(async () => {
    await opened?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a RUN that would sleep for ten minutes ends with context canceled, its container removed, no tag set', async () => {
    const abort = new AbortController();
    const events: BuildEvent[] = [];
    let output = '';
    const build = engine.buildImage(contextTar({ Dockerfile: 'FROM busybox:local\nRUN echo started && sleep 600\nLABEL never=reached\n' }), { tags: ['cancel:run'], networkMode: 'none', signal: abort.signal }, (e) => {
      events.push(e);
      if (e.kind === 'output') output += e.text;
      // Abort once the command has printed: the container is running its sleep.
      if (e.kind === 'output' && output.includes('started')) abort.abort();
    });
    await expect(build).rejects.toThrow(BuildCancelled);
    expect(output).toBe('started\n');
    expect(events.filter((e) => e.kind === 'step').map((e) => (e as { instruction: string }).instruction)).toEqual(['FROM busybox:local', 'RUN echo started && sleep 600']);
    expect(await engine.listContainers({ all: true })).toEqual([]);
    expect((await engine.listImages()).flatMap((i) => i.RepoTags)).toEqual(['busybox:local']);
  }, 60_000);
});
