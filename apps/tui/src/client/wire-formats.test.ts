import { describe, expect, it } from 'vitest';
import { formatDockerHost, parseDockerHost } from './docker-host.js';
import { jsonValues } from './json-stream.js';
import { outputRecords } from './output-frames.js';

async function* chunks(...parts: Array<Uint8Array | string>): AsyncIterable<Uint8Array> {
  for (const p of parts) yield typeof p === 'string' ? new TextEncoder().encode(p) : p;
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const i of items) out.push(i);
  return out;
}

const frame = (stream: 1 | 2, text: string): Uint8Array => {
  const payload = new TextEncoder().encode(text);
  const bytes = new Uint8Array(8 + payload.length);
  bytes[0] = stream;
  new DataView(bytes.buffer).setUint32(4, payload.length);
  bytes.set(payload, 8);
  return bytes;
};

describe('wire formats', () => {
  it('parses DOCKER_HOST as the docker CLI does', () => {
    expect(parseDockerHost('unix:///run/stratad.sock')).toEqual({ kind: 'unix', path: '/run/stratad.sock' });
    expect(parseDockerHost('tcp://127.0.0.1:2375')).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 2375 });
    expect(parseDockerHost('tcp://[::1]')).toEqual({ kind: 'tcp', host: '::1', port: 2375 });
    expect(formatDockerHost({ kind: 'tcp', host: '::1', port: 1 })).toBe('tcp://[::1]:1');
    expect(() => parseDockerHost('ssh://me@host')).toThrow('unsupported DOCKER_HOST "ssh://me@host"');
    expect(() => parseDockerHost('unix://relative.sock')).toThrow('must be absolute');
  });

  it('reads JSON values split anywhere across chunks', async () => {
    expect(await collect(jsonValues(chunks('{"a":1}\n{"b"', ':2}\r\n', '\n{"c":3}')))).toEqual([{ a: 1 }, { b: 2 }, { c: 3 }]);
  });

  it('splits multiplexed output into stdout and stderr records, even when a frame is cut in two', async () => {
    const both = new Uint8Array([...frame(1, 'out\n'), ...frame(2, 'err\n')]);
    const records = await collect(outputRecords(chunks(both.slice(0, 5), both.slice(5, 14), both.slice(14)), false));
    expect(records.map((r) => `${r.stream}:${new TextDecoder().decode(r.bytes)}`)).toEqual(['stdout:out\n', 'stderr:err\n']);
    const raw = await collect(outputRecords(chunks('plain tty bytes'), true));
    expect(raw.map((r) => r.stream)).toEqual(['stdout']);
  });
});
