import { invalid } from '../errors/index.js';
import type { TarFormat } from './tar-entry.js';

/** Tar works in 512-byte blocks: headers, and bodies padded up to a multiple. */
export const BLOCK = 512;

/** Field offsets and widths of the 512-byte header (v7 + ustar). */
export const field = {
  name: [0, 100],
  mode: [100, 8],
  uid: [108, 8],
  gid: [116, 8],
  size: [124, 12],
  mtime: [136, 12],
  chksum: [148, 8],
  typeflag: [156, 1],
  linkname: [157, 100],
  magic: [257, 6],
  version: [263, 2],
  uname: [265, 32],
  gname: [297, 32],
  devmajor: [329, 8],
  devminor: [337, 8],
  prefix: [345, 155],
} as const satisfies Record<string, readonly [number, number]>;

export type FieldName = keyof typeof field;

const utf8 = new TextDecoder();
const utf8Encoder = new TextEncoder();

/** UTF-8 bytes of a string. */
export const encodeText = (s: string): Uint8Array => {
  // Header fields are short and nearly always ASCII: a loop beats a call into TextEncoder (a layer has thousands).
  if (s.length <= 256) {
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) return utf8Encoder.encode(s);
      out[i] = c;
    }
    return out;
  }
  return utf8Encoder.encode(s);
};
/** A string from UTF-8 bytes (invalid sequences become U+FFFD; raw blocks keep the original). */
export const decodeText = (b: Uint8Array): string => utf8.decode(b);

/** The bytes of one header field. */
export const fieldBytes = (block: Uint8Array, name: FieldName): Uint8Array => {
  const [off, len] = field[name];
  return block.subarray(off, off + len);
};

/** A NUL-terminated string field (Go's parseString: cut at the first NUL). */
export function readString(block: Uint8Array, name: FieldName): string {
  const b = fieldBytes(block, name);
  const nul = b.indexOf(0);
  return decodeText(nul < 0 ? b : b.subarray(0, nul));
}

const headerError = (why: string, offset: number) => invalid(`archive/tar: invalid tar header: ${why} (header at byte ${offset})`);

/**
 * A numeric field: base-256 when the top bit of the first byte is set (GNU/star binary),
 * otherwise octal with leading/trailing spaces and NULs ignored, as Go's archive/tar reads it.
 */
export function readNumber(block: Uint8Array, name: FieldName, offset: number): number {
  const b = fieldBytes(block, name);
  if (b.length > 0 && (b[0] & 0x80) !== 0) {
    const negative = (b[0] & 0x40) !== 0;
    const inv = negative ? 0xff : 0;
    let x = 0n;
    for (let i = 0; i < b.length; i++) {
      let c = b[i] ^ inv;
      if (i === 0) c &= 0x7f;
      x = (x << 8n) | BigInt(c);
    }
    const value = negative ? -x - 1n : x;
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw headerError(`base-256 ${name} field out of range`, offset);
    }
    return Number(value);
  }
  let start = 0;
  let end = b.length;
  while (start < end && (b[start] === 0x20 || b[start] === 0)) start++;
  while (end > start && (b[end - 1] === 0x20 || b[end - 1] === 0)) end--;
  let x = 0;
  for (let i = start; i < end; i++) {
    const d = b[i] - 0x30;
    if (d < 0 || d > 7) throw headerError(`bad octal ${name} field ${JSON.stringify(decodeText(b))}`, offset);
    x = x * 8 + d;
  }
  if (!Number.isSafeInteger(x)) throw headerError(`${name} field out of range`, offset);
  return x;
}

/** Unsigned and signed sums of a header block with the checksum field counted as spaces. */
export function checksums(block: Uint8Array): { unsigned: number; signed: number } {
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const c = i >= 148 && i < 156 ? 0x20 : block[i];
    unsigned += c;
    signed += c < 128 ? c : c - 256;
  }
  return { unsigned, signed };
}

/** Throws unless the stored checksum matches the block (either sum, as Go accepts). */
export function verifyChecksum(block: Uint8Array, offset: number): void {
  const stored = readNumber(block, 'chksum', offset);
  const { unsigned, signed } = checksums(block);
  if (stored !== unsigned && stored !== signed) {
    throw headerError(`checksum mismatch: field says ${stored}, block sums to ${unsigned}`, offset);
  }
}

const equals = (b: Uint8Array, ascii: string): boolean => b.length === ascii.length && [...ascii].every((ch, i) => b[i] === ch.charCodeAt(0));

/** The header layout, from magic and version (Go's getFormat, without star). */
export function formatOf(block: Uint8Array): TarFormat {
  const magic = fieldBytes(block, 'magic');
  if (equals(magic, 'ustar\0')) return 'ustar';
  if (equals(magic, 'ustar ') && equals(fieldBytes(block, 'version'), ' \0')) return 'gnu';
  return 'v7';
}

/** True when every byte is zero (end-of-archive blocks). */
export function isZero(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

/** Bytes of zero padding that follow a body of `size` bytes. */
export const paddingOf = (size: number): number => (BLOCK - (size % BLOCK)) % BLOCK;
