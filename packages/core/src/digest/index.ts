import { invalid } from '../errors/index.js';

/** A content digest, `sha256:<64 lowercase hex>` (the only algorithm Strata writes). */
export type Digest = string & { readonly __digest?: never };

/** Incremental hash state handed out by a Hasher. */
export interface HashState {
  update(bytes: Uint8Array): void;
  /** Lowercase hex of the hash of everything passed to update. */
  hex(): string;
}

/** Port: SHA-256 (and friends) supplied by the platform (node:crypto, WebCrypto, ...). */
export interface Hasher {
  create(algorithm?: 'sha256' | 'sha512'): HashState;
  /** One-shot SHA-256 hex of `bytes`, where the platform has a cheaper path than create(). */
  sha256Hex?(bytes: Uint8Array): string;
}

const DIGEST_RE = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const SHA256_RE = /^sha256:[a-f0-9]{64}$/;
const SHA512_RE = /^sha512:[a-f0-9]{128}$/;
const HEX64_RE = /^[a-f0-9]{64}$/;

/** Parse and validate a digest string (OCI grammar; sha256/sha512 encodings checked exactly). */
export function parseDigest(s: string): Digest {
  if (!DIGEST_RE.test(s)) throw invalid(`invalid digest format: ${JSON.stringify(s)}`);
  const alg = s.slice(0, s.indexOf(':'));
  if (alg !== 'sha256' && alg !== 'sha512') throw invalid(`unsupported digest algorithm: ${s}`);
  // go-digest checks the length first, then the characters.
  const hexLength = alg === 'sha256' ? 64 : 128;
  if (s.length - alg.length - 1 !== hexLength) throw invalid('invalid checksum digest length');
  if (!(alg === 'sha256' ? SHA256_RE : SHA512_RE).test(s)) throw invalid('invalid checksum digest format');
  return s;
}

/** True for a well-formed `sha256:<hex>` digest. */
export const isSha256Digest = (s: string): boolean => SHA256_RE.test(s);

/** True for a bare 64-hex string (a full image or container ID without `sha256:`). */
export const isHex64 = (s: string): boolean => HEX64_RE.test(s);

/** The encoded part of a digest (`sha256:abc` -> `abc`). */
export const digestHex = (d: Digest): string => d.slice(d.indexOf(':') + 1);

/** The first 12 hex characters, as Docker shows IDs. */
export const shortId = (d: Digest | string): string => digestHex(d).slice(0, 12);

/** sha256 of some bytes as a Digest. */
export function sha256Of(hasher: Hasher, bytes: Uint8Array): Digest {
  const h = hasher.create('sha256');
  h.update(bytes);
  return `sha256:${h.hex()}`;
}

/** sha256 of a UTF-8 string as a Digest. */
export const sha256OfText = (hasher: Hasher, text: string): Digest =>
  sha256Of(hasher, new TextEncoder().encode(text));

/** A TransformStream that passes bytes through and counts and hashes them on the way. */
export function digestingStream(hasher: Hasher): {
  stream: TransformStream<Uint8Array, Uint8Array>;
  result: () => { digest: Digest; size: number };
} {
  const h = hasher.create('sha256');
  let size = 0;
  const stream = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      h.update(chunk);
      size += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  let done: { digest: Digest; size: number } | undefined;
  return {
    stream,
    result: () => (done ??= { digest: `sha256:${h.hex()}`, size }),
  };
}
