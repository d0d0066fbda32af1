import { createHash } from 'node:crypto';
import { type Descriptor, StrataError, invalid } from '@strata/core';
import type { HttpReply } from './http-exchange.js';

/** Opens the blob's bytes from `offset` on (a Range request when offset > 0). */
export type BlobOpener = (offset: number) => Promise<HttpReply>;

export interface VerifiedBlobOptions {
  /** Connection drops survived before giving up (each resumes where the bytes stopped). */
  retries?: number;
  onBytes?: (received: number) => void;
  signal?: AbortSignal;
}

/** Docker's wording when a layer's bytes do not hash to its descriptor's digest. */
/** A download that kept ending short, in Go's words (what dockerd prints when its retries are spent). */
const unexpectedEof = (cause?: unknown): StrataError => new StrataError('internal', 'unexpected EOF', { cause });

export const verificationFailed = (digest: string): StrataError => invalid(`filesystem layer verification failed for digest ${digest}`);

/** Node's error when a peer closes mid-body; worth a resumed retry, unlike a bad status. */
function isDroppedConnection(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException)?.code;
  return code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'EPIPE' || code === 'ETIMEDOUT' || (e as Error)?.message === 'aborted';
}

/**
 * The blob as a pull-driven stream (the socket is read only as fast as the consumer takes
 * bytes, so nothing piles up in memory), hashed and counted on the way. A dropped connection
 * is resumed with `Range: bytes=N-`; more bytes than the descriptor's size, or a digest that
 * does not match at the end, errors the stream instead of closing it.
 */
export function verifiedBlobStream(descriptor: Descriptor, open: BlobOpener, options: VerifiedBlobOptions = {}): ReadableStream<Uint8Array> {
  const algorithm = descriptor.digest.slice(0, descriptor.digest.indexOf(':'));
  if (algorithm !== 'sha256' && algorithm !== 'sha512') throw invalid(`unsupported digest algorithm: ${descriptor.digest}`);
  const hash = createHash(algorithm);
  const want = descriptor.digest.slice(algorithm.length + 1);
  let received = 0;
  let retriesLeft = options.retries ?? 3;
  let reply: HttpReply | undefined;
  let iterator: AsyncIterator<Buffer> | undefined;
  // Bytes a server that ignored our Range sent again from the start: dropped, not re-hashed.
  let skip = 0;

  const openAt = async () => {
    reply = await open(received);
    skip = reply.status === 206 ? 0 : received;
    iterator = (reply.body as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  };
  const drop = () => {
    reply?.body.destroy();
    reply = undefined;
    iterator = undefined;
  };

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        for (;;) {
          try {
            if (!iterator) await openAt();
            const r = await iterator!.next();
            if (r.done) {
              if (received < descriptor.size && retriesLeft-- > 0) {
                drop();
                continue;
              }
              drop();
              if (received < descriptor.size) throw unexpectedEof();
              if (received !== descriptor.size || hash.digest('hex') !== want) throw verificationFailed(descriptor.digest);
              controller.close();
              return;
            }
            let chunk = r.value;
            if (skip > 0) {
              const n = Math.min(skip, chunk.byteLength);
              skip -= n;
              chunk = chunk.subarray(n);
              if (chunk.byteLength === 0) continue;
            }
            received += chunk.byteLength;
            if (received > descriptor.size) {
              drop();
              throw verificationFailed(descriptor.digest);
            }
            hash.update(chunk);
            controller.enqueue(chunk);
            options.onBytes?.(received);
            return;
          } catch (e) {
            drop();
            if (options.signal?.aborted || !isDroppedConnection(e)) throw e;
            if (retriesLeft-- > 0) continue;
            throw unexpectedEof(e);
          }
        }
      },
      cancel() {
        drop();
      },
    },
    { highWaterMark: 0 },
  );
}
