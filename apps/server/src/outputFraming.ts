import type { OutputRecord } from '@strata/core';

const encoder = new TextEncoder();

/** Stream numbers of the multiplexed format (§4.2 of the wire doc); 3 makes the client return an error. */
export const streamNumber = { stdin: 0, stdout: 1, stderr: 2, systemError: 3 } as const;

/** One multiplexed frame: stream byte, three zero bytes, big-endian payload length, payload. */
export function muxFrame(stream: number, payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(8 + payload.byteLength);
  frame[0] = stream;
  new DataView(frame.buffer).setUint32(4, payload.byteLength, false);
  frame.set(payload, 8);
  return frame;
}

export interface FramingOptions {
  /** Raw bytes (a tty container: one merged stream) instead of multiplexed frames. */
  tty: boolean;
  /** Prefix each record with its RFC 3339 time and a space (`docker logs -t`). */
  timestamps?: boolean;
}

/**
 * `docker logs -t` times as dockerd writes them: RFC 3339 with exactly nine fraction digits
 * (moby's RFC3339NanoFixed), where Go's RFC3339Nano elsewhere trims trailing zeros.
 */
export function fixedNanoTime(time: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z$/.exec(time);
  return m ? `${m[1]}.${(m[2] ?? '').padEnd(9, '0')}Z` : time;
}

/** The bytes a client reads for one output record: a frame per record, or the raw bytes on a tty. */
export function frameRecord(record: OutputRecord, options: FramingOptions): Uint8Array {
  let payload = record.bytes;
  if (options.timestamps) {
    const prefix = encoder.encode(`${fixedNanoTime(record.time)} `);
    payload = new Uint8Array(prefix.byteLength + record.bytes.byteLength);
    payload.set(prefix);
    payload.set(record.bytes, prefix.byteLength);
  }
  if (options.tty) return payload;
  return muxFrame(record.stream === 'stderr' ? streamNumber.stderr : streamNumber.stdout, payload);
}

/**
 * Output records as a response body. Cancelling the body (the client went away) ends the
 * iteration, which lets the engine release the log reader or attachment.
 */
export function framedOutput(records: AsyncIterable<OutputRecord>, options: FramingOptions): ReadableStream<Uint8Array> {
  const iterator = records[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      // Skip empty records: a zero-length frame means nothing to the client.
      for (;;) {
        const next = await iterator.next();
        if (next.done) {
          controller.close();
          return;
        }
        if (next.value.bytes.byteLength === 0 && !options.timestamps) continue;
        controller.enqueue(frameRecord(next.value, options));
        return;
      }
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}
