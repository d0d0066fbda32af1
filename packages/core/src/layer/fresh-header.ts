import { invalid } from '../errors/index.js';
import { formatPaxRecord, formatPaxTime, paxTime } from './pax-records.js';
import { dockerModeField, headerOnlyTypes, typeflagOf, type TarEntry } from './tar-entry.js';
import { BLOCK, checksums, encodeText, field, paddingOf, type FieldName } from './tar-header.js';

// Header writing follows Go's archive/tar Writer (what Docker's layer tars come from):
// USTAR when every field fits, else PAX records named `<dir>/PaxHeaders.0/<file>`.

const NAME_SIZE = 100;
const PREFIX_SIZE = 155;
const PAX_BASIC_KEYS = new Set(['path', 'linkpath', 'size', 'uid', 'gid', 'uname', 'gname', 'mtime', 'atime', 'ctime']);

const isAscii = (s: string): boolean => /^[\x00-\x7f]*$/.test(s);
const toAscii = (s: string): string => s.replace(/[^\x01-\x7f]/gu, '');
const byteLength = (s: string): number => encodeText(s).length;

/** Go's fitsInOctal: an n-byte field holds n-1 octal digits and a NUL. */
const fitsInOctal = (n: number, x: number): boolean => x >= 0 && (n >= 22 || x < 8 ** (n - 1));

/** Writes fields into a block the way Go's formatter does. */
class BlockWriter {
  readonly block = new Uint8Array(BLOCK);

  string(name: FieldName, s: string): void {
    const [off, len] = field[name];
    const bytes = encodeText(s);
    this.block.set(bytes.subarray(0, len), off);
    if (bytes.length < len) this.block[off + bytes.length] = 0;
    // Go: a truncated name must not end in '/', or readers take a file for a directory.
    if (bytes.length > len && this.block[off + len - 1] === 0x2f) {
      this.block[off + len - 1] = s.slice(0, len - 1).replace(/\/+$/, '').length;
    }
  }

  octal(name: FieldName, x: number): void {
    const [, len] = field[name];
    const v = fitsInOctal(len, x) ? x : 0;
    this.string(name, v.toString(8).padStart(len - 1, '0'));
  }

  /** The ustar magic, version and checksum (6 octal digits, NUL, space). */
  seal(): Uint8Array {
    this.block.set(encodeText('ustar\x0000'), field.magic[0]);
    const sum = checksums(this.block).unsigned;
    this.block.set(encodeText(`${sum.toString(8).padStart(6, '0')}\0 `), field.chksum[0]);
    return this.block;
  }
}

/** Go's splitUSTARPath: a name over 100 bytes split at a '/' into prefix (<=155) and name (<=100). */
export function splitUstarPath(name: string): { prefix: string; name: string } | undefined {
  let length = name.length;
  if (length <= NAME_SIZE || !isAscii(name)) return undefined;
  if (length > PREFIX_SIZE + 1) length = PREFIX_SIZE + 1;
  else if (name[length - 1] === '/') length--;
  const i = name.slice(0, length).lastIndexOf('/');
  const nlen = name.length - i - 1;
  if (i <= 0 || nlen > NAME_SIZE || nlen === 0 || i > PREFIX_SIZE) return undefined;
  return { prefix: name.slice(0, i), name: name.slice(i + 1) };
}

/** Go's path.Clean, for naming the PAX header entry. */
function goClean(p: string): string {
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
    } else out.push(part);
  }
  const joined = out.join('/');
  return rooted ? `/${joined}` : joined || '.';
}

const sameBytes = (a: Uint8Array | undefined, b: Uint8Array): boolean =>
  a !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);

/** The PAX records an entry needs (Go's allowedFormats) and whether its name needs a ustar prefix split. */
function paxRecordsFor(entry: TarEntry, size: number): Map<string, Uint8Array> {
  const records = new Map<string, Uint8Array>();
  const keep = (key: string, value: string) => {
    const bytes = encodeText(value);
    if (sameBytes(entry.pax[key], bytes)) records.set(key, bytes);
  };
  const text = (value: string, width: number, key: string, splittable: boolean) => {
    if (!isAscii(value) || byteLength(value) > width) {
      if (!(splittable && splitUstarPath(value))) records.set(key, encodeText(value));
    }
    keep(key, value);
  };
  const numeric = (value: number, width: number, key: string) => {
    if (!fitsInOctal(width, value)) records.set(key, encodeText(String(value)));
    keep(key, String(value));
  };
  const cannot = (what: string, value: number, width: number) => {
    if (!fitsInOctal(width, value)) throw invalid(`archive/tar: header field too long: cannot encode ${what}=${value}`);
  };
  text(entry.path, NAME_SIZE, 'path', true);
  text(entry.linkname, NAME_SIZE, 'linkpath', false);
  text(entry.uname, 32, 'uname', false);
  text(entry.gname, 32, 'gname', false);
  cannot('mode', modeFieldOf(entry), 8);
  cannot('devmajor', entry.devmajor, 8);
  cannot('devminor', entry.devminor, 8);
  numeric(entry.uid, 8, 'uid');
  numeric(entry.gid, 8, 'gid');
  numeric(size, 12, 'size');
  if (!Number.isInteger(entry.mtime) || !fitsInOctal(12, entry.mtime)) {
    // Keep the archive's own spelling when it says the same time (it may carry more digits than a double).
    const own = entry.pax.mtime;
    const ownMatches = own !== undefined && paxTime('mtime', own, 0) === entry.mtime;
    records.set('mtime', ownMatches ? own : encodeText(formatPaxTime(entry.mtime)));
  }
  keep('mtime', formatPaxTime(entry.mtime));
  for (const [key, value] of Object.entries(entry.pax)) {
    if (records.has(key) || PAX_BASIC_KEYS.has(key) || key.startsWith('GNU.sparse.')) continue;
    records.set(key, value);
  }
  return records;
}

/** A header-only block carrying data (PAX `x`/`g`): Go's writeRawFile. */
function rawFileBlocks(name: string, data: Uint8Array, typeflag: string): Uint8Array[] {
  const w = new BlockWriter();
  let n = toAscii(name);
  if (n.length > NAME_SIZE) n = n.slice(0, NAME_SIZE);
  w.string('name', n.replace(/\/+$/, ''));
  w.octal('mode', 0);
  w.octal('uid', 0);
  w.octal('gid', 0);
  w.octal('size', data.length);
  w.octal('mtime', 0);
  w.block[field.typeflag[0]] = typeflag.charCodeAt(0);
  return [w.seal(), data, new Uint8Array(paddingOf(data.length))];
}

const recordBytes = (records: Map<string, Uint8Array>): Uint8Array => {
  const parts = [...records.keys()].sort().map((k) => formatPaxRecord(k, records.get(k)!));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

/**
 * The mode field to write: the entry's rawMode while it agrees with `mode`, else `mode`
 * with Docker's file-type bits (so a chmod on a decoded entry still writes sensibly).
 */
export const modeFieldOf = (entry: TarEntry): number =>
  (entry.rawMode & 0o7777) === entry.mode && entry.rawMode >= 0 ? entry.rawMode : dockerModeField(entry.type, entry.mode);

/** Writes ASCII `s` at `off` when it fits in `len` bytes and returns the sum of its bytes; -1 when it is not short ASCII. */
function putAscii(block: Uint8Array, off: number, len: number, s: string): number {
  if (s.length > len) return -1;
  let sum = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // Go's writer drops a NUL inside a name: such oddities take the general path.
    if (c > 0x7f || c === 0) return -1;
    block[off + i] = c;
    sum += c;
  }
  return sum;
}

/** Writes `x` as `len - 1` octal digits (the NUL is already there) and returns their byte sum; -1 when it does not fit. */
function putOctal(block: Uint8Array, off: number, len: number, x: number): number {
  if (!Number.isInteger(x) || !fitsInOctal(len, x)) return -1;
  let sum = 0;
  for (let i = off + len - 2; i >= off; i--) {
    const c = 0x30 + (x % 8);
    block[i] = c;
    sum += c;
    x = Math.floor(x / 8);
  }
  return sum;
}

const USTAR_MAGIC = encodeText('ustar\x0000');
const USTAR_MAGIC_SUM = USTAR_MAGIC.reduce((a, b) => a + b, 0);

/**
 * Writes the one ustar block of an entry that needs no PAX records and no prefix split (short
 * ASCII names, numbers that fit, whole-second mtime: nearly every entry of a layer) at `offset`
 * of `out`, whose 512 bytes there must be zero; false (the block left dirty) when the entry needs
 * the general path of freshHeaderBlocks. Same bytes as that path, without its allocations.
 */
export function writePlainUstarHeader(entry: TarEntry, out: Uint8Array, offset: number): boolean {
  if (entry.type === 'pax-global') return false;
  for (const _ in entry.pax) return false;
  const typeflag = typeflagOf(entry);
  if (typeflag === 'x' || typeflag === 'L' || typeflag === 'K') return false;
  const size = headerOnlyTypes.has(entry.type) ? 0 : entry.size;
  const parts = [
    putAscii(out, offset + field.name[0], NAME_SIZE, entry.path),
    putAscii(out, offset + field.linkname[0], NAME_SIZE, entry.linkname),
    putAscii(out, offset + field.uname[0], 32, entry.uname),
    putAscii(out, offset + field.gname[0], 32, entry.gname),
    putOctal(out, offset + field.mode[0], 8, modeFieldOf(entry)),
    putOctal(out, offset + field.uid[0], 8, entry.uid),
    putOctal(out, offset + field.gid[0], 8, entry.gid),
    putOctal(out, offset + field.size[0], 12, size),
    putOctal(out, offset + field.mtime[0], 12, entry.mtime),
    putOctal(out, offset + field.devmajor[0], 8, entry.devmajor),
    putOctal(out, offset + field.devminor[0], 8, entry.devminor),
  ];
  let sum = 8 * 0x20 + USTAR_MAGIC_SUM;
  for (const p of parts) {
    if (p < 0) return false;
    sum += p;
  }
  const flag = typeflag.charCodeAt(0) || 0;
  out[offset + field.typeflag[0]] = flag;
  sum += flag;
  out.set(USTAR_MAGIC, offset + field.magic[0]);
  const chk = offset + field.chksum[0];
  for (let i = chk + 5; i >= chk; i--) {
    out[i] = 0x30 + (sum % 8);
    sum = Math.floor(sum / 8);
  }
  out[chk + 7] = 0x20;
  return true;
}

/**
 * The header blocks Go's archive/tar (and so Docker) writes for an entry: a ustar block,
 * preceded by a PAX `x` header when a field does not fit (see modeFieldOf for the mode).
 */
export function freshHeaderBlocks(entry: TarEntry): Uint8Array[] {
  const typeflag = typeflagOf(entry);
  if (entry.type === 'pax-global') {
    return rawFileBlocks(entry.path || 'GlobalHead.0.0', recordBytes(new Map(Object.entries(entry.pax))), 'g');
  }
  if (typeflag === 'x' || typeflag === 'L' || typeflag === 'K') {
    throw invalid('archive/tar: cannot manually encode TypeXHeader, TypeGNULongName, or TypeGNULongLink headers');
  }
  const size = headerOnlyTypes.has(entry.type) ? 0 : entry.size;
  if (!Number.isSafeInteger(size) || size < 0) throw invalid(`archive/tar: invalid size ${size} for ${JSON.stringify(entry.path)}`);
  const plain = new Uint8Array(BLOCK);
  if (writePlainUstarHeader(entry, plain, 0)) return [plain];
  const records = paxRecordsFor(entry, size);
  const out: Uint8Array[] = [];
  const w = new BlockWriter();
  const str = records.size > 0 ? toAscii : (s: string) => s;
  let name = entry.path;
  if (records.size > 0) {
    const slash = entry.path.lastIndexOf('/');
    const parts = [entry.path.slice(0, slash + 1), 'PaxHeaders.0', entry.path.slice(slash + 1)].filter((p) => p !== '');
    const paxName = goClean(parts.join('/'));
    out.push(...rawFileBlocks(paxName, recordBytes(records), 'x'));
  } else {
    const split = splitUstarPath(entry.path);
    if (split) {
      name = split.name;
      w.string('prefix', split.prefix);
    }
  }
  w.block[field.typeflag[0]] = typeflag.charCodeAt(0);
  w.string('name', str(name));
  w.string('linkname', str(entry.linkname));
  w.octal('mode', modeFieldOf(entry));
  w.octal('uid', entry.uid);
  w.octal('gid', entry.gid);
  w.octal('size', size);
  w.octal('mtime', Math.floor(entry.mtime));
  w.string('uname', str(entry.uname));
  w.string('gname', str(entry.gname));
  w.octal('devmajor', entry.devmajor);
  w.octal('devminor', entry.devminor);
  out.push(w.seal());
  return out;
}
