import { watch, type FSWatcher } from 'node:fs';
import { open } from 'node:fs/promises';
import type { LogOptions, LogRecord } from '@strata/core';

const SPACE = 0x20;
const NEWLINE = 0x0a;

/** Nanoseconds since the epoch of an RFC 3339 time with any fraction and offset. */
export function timeNanos(rfc3339: string): bigint {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(rfc3339);
  if (!m) return 0n;
  const seconds = BigInt(Date.parse(`${m[1]}${m[3]}`) / 1000);
  return seconds * 1_000_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

/** conmon's `+00:00` time as Go prints time.Time in UTC (`...34.893556491Z`, trailing zeros trimmed). */
export function utcTime(rfc3339: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?\+00:00$/.exec(rfc3339);
  if (!m) return rfc3339;
  const frac = (m[2] ?? '').replace(/0+$/, '');
  return `${m[1]}${frac ? `.${frac}` : ''}Z`;
}

/** One k8s-file line (`<time> <stdout|stderr> <F|P> <bytes>`, newline already cut), or undefined if malformed. */
export function parseK8sLine(line: Uint8Array): (LogRecord & { nanos: bigint }) | undefined {
  const a = line.indexOf(SPACE);
  const b = a < 0 ? -1 : line.indexOf(SPACE, a + 1);
  const c = b < 0 ? -1 : line.indexOf(SPACE, b + 1);
  if (c < 0 && !(b > 0 && line.length === b + 2)) return undefined;
  const text = (from: number, to: number) => Buffer.from(line.buffer, line.byteOffset + from, to - from).toString('latin1');
  const time = text(0, a);
  const stream = text(a + 1, b);
  const tag = text(b + 1, c < 0 ? line.length : c);
  if ((stream !== 'stdout' && stream !== 'stderr') || (tag !== 'F' && tag !== 'P')) return undefined;
  const content = c < 0 ? new Uint8Array(0) : line.subarray(c + 1);
  const partial = tag === 'P';
  const bytes = new Uint8Array(content.length + (partial ? 0 : 1));
  bytes.set(content);
  if (!partial) bytes[content.length] = NEWLINE;
  return { stream, time: utcTime(time), bytes, partial, nanos: timeNanos(time) };
}

/** Complete lines of `chunk` (after `carry`), and the unterminated rest. */
function splitLines(carry: Uint8Array, chunk: Uint8Array): { lines: Uint8Array[]; rest: Uint8Array } {
  const data = carry.length ? Buffer.concat([carry, chunk]) : chunk;
  const lines: Uint8Array[] = [];
  let start = 0;
  for (;;) {
    const nl = data.indexOf(NEWLINE, start);
    if (nl < 0) break;
    lines.push(data.subarray(start, nl));
    start = nl + 1;
  }
  // A copy: `data` may be the caller's read buffer, which the next read overwrites (Buffer#slice is a view).
  return { lines, rest: Uint8Array.prototype.slice.call(data, start) };
}

const secondsToNanos = (s: number): bigint => BigInt(Math.round(s * 1e6)) * 1000n;

export interface K8sLogFollow {
  /** Resolves when the container's process has exited (following stops after a last read). */
  exited: Promise<unknown>;
}

/**
 * The records of a conmon k8s-file log, oldest first, with Docker's `--tail` (applied first, as
 * dockerd's file reader does), `--since` (records at or after) and `--until` (records up to).
 * With `follow`, new records as the file grows until the process exits or `signal` aborts.
 */
export async function* readK8sLog(path: string, options: LogOptions = {}, follow?: K8sLogFollow): AsyncGenerator<LogRecord> {
  const since = options.since !== undefined && options.since > 0 ? secondsToNanos(options.since) : undefined;
  const until = options.until !== undefined && options.until > 0 ? secondsToNanos(options.until) : undefined;
  const wanted = (r: { nanos: bigint }) => (since === undefined || r.nanos >= since) && (until === undefined || r.nanos <= until);
  const strip = ({ nanos: _n, ...r }: LogRecord & { nanos: bigint }): LogRecord => r;
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  let offset = 0;
  let carry: Uint8Array = new Uint8Array(0);
  const readMore = async (): Promise<Array<LogRecord & { nanos: bigint }>> => {
    if (!handle) {
      try {
        handle = await open(path, 'r');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw e;
      }
    }
    const out: Array<LogRecord & { nanos: bigint }> = [];
    const buffer = Buffer.alloc(1 << 16);
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
      if (bytesRead === 0) break;
      offset += bytesRead;
      const { lines, rest } = splitLines(carry, buffer.subarray(0, bytesRead));
      carry = rest;
      for (const line of lines) {
        const r = parseK8sLine(line);
        if (r) out.push(r);
      }
    }
    return out;
  };
  let watcher: FSWatcher | undefined;
  try {
    let first = await readMore();
    if (options.tail !== undefined && options.tail >= 0) first = options.tail === 0 ? [] : first.slice(-options.tail);
    for (const r of first) if (wanted(r)) yield strip(r);
    if (!options.follow || !follow || options.signal?.aborted) return;
    let wake: (() => void) | undefined;
    let changed = false;
    const poke = () => {
      changed = true;
      wake?.();
    };
    try {
      watcher = watch(path, poke);
      watcher.on('error', () => undefined);
    } catch {
      // No file yet (never started): the poll below covers it.
    }
    let exited = false;
    void follow.exited.then(() => ((exited = true), poke()), () => ((exited = true), poke()));
    options.signal?.addEventListener('abort', poke, { once: true });
    while (!options.signal?.aborted) {
      if (!changed) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 250);
        });
      }
      wake = undefined;
      changed = false;
      const wasExited = exited;
      for (const r of await readMore()) {
        if (until !== undefined && r.nanos > until) return;
        if (wanted(r)) yield strip(r);
      }
      if (wasExited) return;
    }
  } finally {
    watcher?.close();
    await handle?.close();
  }
}
