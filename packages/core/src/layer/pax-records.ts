import { invalid } from '../errors/index.js';
import { decodeText, encodeText } from './tar-header.js';

/** Go's maxSpecialFileSize: PAX and GNU long-name data above this is refused as hostile. */
export const MAX_SPECIAL_FILE_SIZE = 1 << 20;

/**
 * Parse PAX extended-header data (`"%d %s=%s\n"` records). Values stay raw bytes:
 * `SCHILY.xattr.*` values are binary and must survive byte-exact.
 */
export function parsePaxRecords(data: Uint8Array, offset: number): Record<string, Uint8Array> {
  const records: Record<string, Uint8Array> = {};
  let pos = 0;
  const bad = (why: string) => invalid(`archive/tar: invalid tar header: ${why} (PAX header at byte ${offset})`);
  while (pos < data.length) {
    // NUL padding after the last record is tolerated (Go would refuse it; nothing is lost by reading on).
    if (data[pos] === 0) break;
    const sp = data.indexOf(0x20, pos);
    if (sp < 0 || sp === pos || sp - pos > 20) throw bad('malformed PAX record length');
    let length = 0;
    for (let i = pos; i < sp; i++) {
      const d = data[i] - 0x30;
      if (d < 0 || d > 9) throw bad('malformed PAX record length');
      length = length * 10 + d;
    }
    const end = pos + length;
    if (length <= sp - pos + 1 || end > data.length || data[end - 1] !== 0x0a) throw bad('malformed PAX record');
    const body = data.subarray(sp + 1, end - 1);
    const eq = body.indexOf(0x3d);
    if (eq <= 0) throw bad('malformed PAX record (no key)');
    const key = decodeText(body.subarray(0, eq));
    records[key] = body.slice(eq + 1);
    pos = end;
  }
  return records;
}

/** One PAX record, its decimal length prefix counting itself (Go's formatPAXRecord). */
export function formatPaxRecord(key: string, value: Uint8Array): Uint8Array {
  if (key === '' || key.includes('=') || key.includes('\0')) throw invalid(`invalid PAX record key ${JSON.stringify(key)}`);
  const k = encodeText(key);
  let size = k.length + value.length + 3;
  size += String(size).length;
  // Adding the length's own digits can add one more digit (Go makes the same final adjustment).
  size = String(size).length + k.length + value.length + 3;
  const head = encodeText(`${size} ${key}=`);
  const out = new Uint8Array(size);
  out.set(head, 0);
  out.set(value, head.length);
  out[size - 1] = 0x0a;
  return out;
}

/** A PAX record value as text (path, uname, ...). */
export const paxText = (value: Uint8Array): string => decodeText(value);

/** A PAX decimal integer (size, uid, gid), or an invalid error. */
export function paxInteger(key: string, value: Uint8Array, offset: number): number {
  const s = decodeText(value);
  if (!/^-?[0-9]+$/.test(s) || !Number.isSafeInteger(Number(s))) {
    throw invalid(`archive/tar: invalid tar header: bad PAX ${key} ${JSON.stringify(s)} (header at byte ${offset})`);
  }
  return Number(s);
}

/** A PAX time (`1234567890.123456789`) as seconds. */
export function paxTime(key: string, value: Uint8Array, offset: number): number {
  const s = decodeText(value);
  if (!/^-?[0-9]+(\.[0-9]*)?$/.test(s)) {
    throw invalid(`archive/tar: invalid tar header: bad PAX ${key} ${JSON.stringify(s)} (header at byte ${offset})`);
  }
  return Number(s);
}

/** Seconds as Go's formatPAXTime writes them: integer, or fraction with trailing zeros trimmed. */
export function formatPaxTime(seconds: number): string {
  if (Number.isInteger(seconds)) return String(seconds);
  const secs = Math.floor(seconds);
  const nanos = Math.round((seconds - secs) * 1e9);
  if (nanos === 0) return String(secs);
  if (nanos === 1e9) return String(secs + 1);
  if (secs < 0) return `-${-(secs + 1)}.${String(1e9 - nanos).padStart(9, '0')}`.replace(/0+$/, '');
  return `${secs}.${String(nanos).padStart(9, '0')}`.replace(/0+$/, '');
}
