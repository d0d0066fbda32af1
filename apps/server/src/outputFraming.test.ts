import { describe, expect, it } from 'vitest';
import type { OutputRecord } from '@strata/core';
import { fixedNanoTime, framedOutput, frameRecord, muxFrame } from './outputFraming.js';
import { capturedReads } from './testing/wireCapture.js';

const record = (stream: 'stdout' | 'stderr', text: string, time = '2026-11-22T14:17:16.926458565Z'): OutputRecord => ({
  stream,
  time,
  bytes: new TextEncoder().encode(text),
});

/** The chunk payloads of a chunked HTTP body as logged in a capture read (`b\r\n<data>\r\n`...). */
function dechunk(read: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = read.indexOf('\r\n', at);
    if (eol === -1) break;
    const size = Number.parseInt(read.subarray(at, eol).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    out.push(read.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return out;
}

/** dockerd's frames for a logs request: the chunk payloads after the response head. */
function capturedLogFrames(name: string, conn: number): Buffer[] {
  const reads = capturedReads(name, conn, 'S>C');
  // The logs response is the connection's last one: its body follows the last status line.
  const head = reads.map((r) => r.toString('latin1').startsWith('HTTP/1.1')).lastIndexOf(true);
  return reads.slice(head + 1).flatMap(dechunk);
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<Buffer[]> {
  const out: Buffer[] = [];
  const reader = stream.getReader();
  for (let next = await reader.read(); !next.done; next = await reader.read()) out.push(Buffer.from(next.value));
  return out;
}

describe('multiplexed frames (§4.2)', () => {
  it('match dockerd\'s bytes for docker logs c1', () => {
    const frames = capturedLogFrames('logs', 4);
    expect(frames.length).toBe(3);
    for (const f of frames) expect(Buffer.from(frameRecord(record('stdout', 'hi\n'), { tty: false }))).toEqual(f);
  });

  it('carry stderr as stream 2 and a timestamp prefix with -t, as in logs -f -t', () => {
    const frames = capturedLogFrames('logs_follow_ts', 93);
    const texts = frames.map((f) => f.subarray(8).toString());
    const ours = frames.map((f, i) => {
      const [time, ...rest] = texts[i].split(' ');
      return Buffer.from(frameRecord(record(f[0] === 2 ? 'stderr' : 'stdout', `${rest.join(' ')}`, time), { tty: false, timestamps: true }));
    });
    expect(frames.map((f) => f[0])).toEqual([1, 2, 1, 1]);
    expect(ours).toEqual(frames);
  });

  it('put the length big-endian and accept payloads past 64 KiB', () => {
    const big = new Uint8Array(70_000).fill(0x61);
    const f = muxFrame(2, big);
    expect([...f.subarray(0, 8)]).toEqual([2, 0, 0, 0, 0x00, 0x01, 0x11, 0x70]);
    expect(f.byteLength).toBe(70_008);
  });

  it('are not used on a tty: the bytes go out raw, stderr merged', () => {
    expect(Buffer.from(frameRecord(record('stderr', '/ # \x1b[6n'), { tty: true })).toString()).toBe('/ # \x1b[6n');
  });
});

describe('framedOutput', () => {
  it('turns records into one chunk each and skips empty ones', async () => {
    async function* records() {
      yield record('stdout', 'out1\n');
      yield record('stdout', '');
      yield record('stderr', 'err1\n');
    }
    const chunks = await collect(framedOutput(records(), { tty: false }));
    expect(chunks.map((c) => [c[0], c.subarray(8).toString()])).toEqual([
      [1, 'out1\n'],
      [2, 'err1\n'],
    ]);
  });

  it('ends the records when the client cancels', async () => {
    let finished = false;
    async function* records() {
      try {
        yield record('stdout', 'a\n');
        await new Promise(() => undefined);
      } finally {
        finished = true;
      }
    }
    const reader = framedOutput(records(), { tty: false }).getReader();
    expect((await reader.read()).value?.byteLength).toBe(10);
    // Cancel while the generator is suspended at its first yield: return() runs its finally.
    await reader.cancel();
    expect(finished).toBe(true);
  });
});

describe('docker logs -t times', () => {
  it('always carry nine fraction digits, as moby RFC3339NanoFixed prints them', () => {
    expect(fixedNanoTime('2026-11-22T14:17:16.926458565Z')).toBe('2026-11-22T14:17:16.926458565Z');
    expect(fixedNanoTime('2026-11-22T14:17:22.17864248Z')).toBe('2026-11-22T14:17:22.178642480Z');
    expect(fixedNanoTime('2026-11-22T14:17:22Z')).toBe('2026-11-22T14:17:22.000000000Z');
  });
});
