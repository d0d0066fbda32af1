// The API client's shell (exec -it, hijacked), attach, diff, commit and stats against a real
// stratad with a real container: what the Containers panel uses in client mode.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutputRecord } from '@strata/core';
import { fixtureArchive } from '../testing/fixture-archive.js';
import { startStratad, stratadUnavailable, type Stratad } from '../testing/stratad-process.js';
import { shellCommand } from '../model/terminal-session.js';
import { ApiEngine } from './api-engine.js';

const skip = stratadUnavailable() ?? (process.getuid?.() !== 0 ? 'containers need root' : undefined);

/** Keys typed one after another into a stream, then left open (as a terminal is) until `end`. */
function typed(): { stream: ReadableStream<Uint8Array>; type(text: string): void; end(): void } {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  return { stream, type: (text) => controller.enqueue(new TextEncoder().encode(text)), end: () => controller.close() };
}

/** Reads records until `seen` holds for the text so far (or they end), leaving the rest to read; returns the text. */
async function readUntil(records: AsyncIterator<OutputRecord>, seen: (text: string) => boolean = () => false): Promise<string> {
  let text = '';
  for (let next = await records.next(); !next.done; next = await records.next()) {
    text += new TextDecoder().decode(next.value.bytes);
    if (seen(text)) break;
  }
  return text;
}

describe.skipIf(skip !== undefined)(`ApiEngine sessions against a real stratad${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let stratad: Stratad;
  let engine: ApiEngine;
  let id: string;
  beforeAll(async () => {
    stratad = await startStratad();
    engine = new ApiEngine({ kind: 'unix', path: stratad.socket });
    await engine.loadImages(fixtureArchive('01-base'));
    ({ Id: id } = await engine.createContainer(
      { Image: 'busybox:local', Cmd: ['sh', '-c', 'echo changed > /new-file.txt; rm /bin/echo; while read line; do echo "got $line"; done'], OpenStdin: true, StopTimeout: 1 },
      { name: 'tui-session' },
    ));
    await engine.startContainer(id);
  }, 60_000);
  afterAll(async () => {
    await engine?.removeContainer('tui-session', { force: true }).catch(() => undefined);
    await stratad?.dispose();
  }, 30_000);

  it('opens the shell (exec -it, hijacked): hostname prints the short ID, exit ends it with code 0', async () => {
    const { Id } = await engine.createExec(id, { AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: true, Cmd: [...shellCommand] });
    const keys = typed();
    const { tty, records: output } = await engine.startExec(Id, { tty: true, stdin: keys.stream });
    const records = output[Symbol.asyncIterator]();
    expect(tty).toBe(true);
    await engine.resizeExec(Id, { height: 30, width: 100 });
    keys.type('stty size; hostname\r');
    const text = await readUntil(records, (t) => t.includes(id.slice(0, 12)) && t.includes('30 100'));
    expect(text).toContain('30 100');
    keys.type('exit\r');
    await readUntil(records);
    const inspect = await engine.inspectExec(Id);
    expect(inspect).toMatchObject({ Running: false, ExitCode: 0, ContainerID: id });
  });

  it('attaches to the container\'s own process; without a tty ctrl-p ctrl-q is input (as dockerd), and ending the attach leaves it running', async () => {
    const keys = typed();
    const detach = new AbortController();
    const { tty, records: output } = await engine.attachContainer(id, { stdin: keys.stream, stdout: true, stderr: true, detachKeys: 'ctrl-p,ctrl-q', signal: detach.signal });
    const records = output[Symbol.asyncIterator]();
    expect(tty).toBe(false);
    keys.type('hello\n');
    expect(await readUntil(records, (t) => t.includes('got hello'))).toBe('got hello\n');
    // dockerd looks for the detach keys only on a tty: here they reach the process like any other bytes.
    keys.type('\u0010\u0011again\n');
    expect(await readUntil(records, (t) => t.includes('again'))).toBe('got \u0010\u0011again\n');
    // The TUI leaves a non-tty attach on its own side (terminal-handover.ts), by ending the session.
    detach.abort();
    expect(await readUntil(records)).toBe('');
    expect((await engine.inspectContainer(id)).State).toMatchObject({ Running: true });
  });

  it('lists the writable layer\'s changes and commits them to a tagged image with message and author', async () => {
    const changes = await engine.containerChanges(id);
    expect(changes).toEqual(expect.arrayContaining([{ Path: '/new-file.txt', Kind: 1 }, { Path: '/bin/echo', Kind: 2 }, { Path: '/bin', Kind: 0 }]));
    const image = await engine.commitContainer(id, { repo: 'tui/committed', tag: 'v1', comment: 'from the tui', author: 'Strata Tester <t@example.com>' });
    const inspect = await engine.inspectImage('tui/committed:v1');
    expect(inspect.Id).toBe(image);
    expect(inspect).toMatchObject({ Author: 'Strata Tester <t@example.com>', RepoTags: ['tui/committed:v1'] });
    // As dockerd: the message goes to the new history entry.
    expect((await engine.imageHistory('tui/committed:v1'))[0]).toMatchObject({ Id: image, Comment: 'from the tui' });
  });

  it('streams stats frames, each with the previous one\'s CPU figures', async () => {
    const abort = new AbortController();
    const frames = [];
    for await (const frame of engine.containerStats(id, { stream: true, signal: abort.signal })) {
      frames.push(frame);
      if (frames.length === 2) abort.abort();
    }
    expect(frames).toHaveLength(2);
    expect(frames[0].name).toBe('/tui-session');
    expect(frames[1].preread).toBe(frames[0].read);
    expect(frames[1].precpu_stats).toEqual(frames[0].cpu_stats);
    expect(frames[1].pids_stats.current).toBeGreaterThanOrEqual(1);
  });
});
