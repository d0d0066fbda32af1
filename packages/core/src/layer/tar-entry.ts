/** Entry kinds of a tar stream; `typeflag` on the entry keeps the raw byte for the rarer ones. */
export type TarEntryType =
  | 'file'
  | 'hardlink'
  | 'symlink'
  | 'char'
  | 'block'
  | 'directory'
  | 'fifo'
  | 'contiguous'
  | 'pax-global'
  | 'unknown';

/** Header layout of the entry's main block: POSIX `ustar\000`, GNU `ustar  \0`, or none (v7). */
export type TarFormat = 'ustar' | 'gnu' | 'v7';

/** The bytes an entry was decoded from, so it can be re-emitted byte-exact. */
export interface TarEntryRaw {
  /** Every block before the body: PAX `x` / GNU `L`/`K` blocks (with their data) and the main header. */
  header: Uint8Array;
  /** The bytes between the body's end and the next 512-byte boundary (set once the body is read or skipped). */
  padding: Uint8Array;
}

/** One tar header, every field kept as the archive wrote it. */
export interface TarEntry {
  /** The name as in the archive (PAX `path`, GNU long name or ustar prefix/name), not cleaned. */
  path: string;
  type: TarEntryType;
  /** The raw typeflag character (`'0'`, `'\0'`, `'5'`, `'x'`, ...). */
  typeflag: string;
  /** Permission bits with setuid/setgid/sticky (`rawMode & 0o7777`). */
  mode: number;
  /** The header's whole mode field, file-type bits included when the writer put them there (Docker: 0o100644). */
  rawMode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  /** Size field (after PAX `size`); only file-like entries carry that many body bytes. */
  size: number;
  /** Seconds since the epoch, fractional when PAX `mtime` has a fraction. */
  mtime: number;
  linkname: string;
  devmajor: number;
  devminor: number;
  /** PAX records of this entry (or the global records of a `pax-global` entry), values byte-exact. */
  pax: Record<string, Uint8Array>;
  format: TarFormat;
  /** Present on decoded entries; used by the raw encoder. */
  raw?: TarEntryRaw;
}

/** A decoded entry with its body; read or cancel the body before asking for the next entry. */
export interface TarReadEntry extends TarEntry {
  body: ReadableStream<Uint8Array>;
}

/** Types whose size field never announces body bytes (Go's isHeaderOnlyType). */
export const headerOnlyTypes: ReadonlySet<TarEntryType> = new Set(['hardlink', 'symlink', 'char', 'block', 'directory', 'fifo']);

const typeByFlag: Record<string, TarEntryType> = {
  '0': 'file',
  '\0': 'file',
  '1': 'hardlink',
  '2': 'symlink',
  '3': 'char',
  '4': 'block',
  '5': 'directory',
  '6': 'fifo',
  '7': 'contiguous',
  g: 'pax-global',
};

const flagByType: Partial<Record<TarEntryType, string>> = {
  file: '0',
  hardlink: '1',
  symlink: '2',
  char: '3',
  block: '4',
  directory: '5',
  fifo: '6',
  contiguous: '7',
  'pax-global': 'g',
};

/** The entry type a typeflag byte stands for. */
export const entryTypeOf = (typeflag: string): TarEntryType => typeByFlag[typeflag] ?? 'unknown';

/** The typeflag a fresh header gets for a type (`unknown` keeps the entry's own). */
export const typeflagOf = (entry: Pick<TarEntry, 'type' | 'typeflag'>): string => flagByType[entry.type] ?? entry.typeflag;

const typeBits: Partial<Record<TarEntryType, number>> = {
  file: 0o100000,
  hardlink: 0o100000,
  contiguous: 0o100000,
  symlink: 0o120000,
  char: 0o020000,
  block: 0o060000,
  directory: 0o040000,
  fifo: 0o010000,
};

/** The mode field Docker writes: permission bits plus the stat file-type bits (0o100644, 0o40755, ...). */
export const dockerModeField = (type: TarEntryType, mode: number): number => (mode & 0o7777) + (typeBits[type] ?? 0);

/** Fields a caller supplies to build an entry for the fresh encoder; the rest default as Docker would. */
export type TarEntryInit = Pick<TarEntry, 'path' | 'type'> & Partial<Omit<TarEntry, 'path' | 'type' | 'raw'>>;

/**
 * A complete TarEntry from a few fields (uid/gid 0, mode 0o644 or 0o755 for directories, mtime 0).
 * The mode field gets Docker's file-type bits, except on whiteouts, which Docker writes by hand
 * without them (0o600, and the directory's mode for `.wh..wh..opq`; fixtures 02 and 03).
 */
export function tarEntry(init: TarEntryInit): TarEntry {
  const mode = (init.mode ?? (init.type === 'directory' ? 0o755 : 0o644)) & 0o7777;
  const whiteout = (init.path.split('/').filter(Boolean).at(-1) ?? '').startsWith('.wh.');
  return {
    typeflag: typeflagOf({ type: init.type, typeflag: init.typeflag ?? '0' }),
    rawMode: whiteout ? mode : dockerModeField(init.type, mode),
    uid: 0,
    gid: 0,
    uname: '',
    gname: '',
    size: 0,
    mtime: 0,
    linkname: '',
    devmajor: 0,
    devminor: 0,
    pax: {},
    format: 'ustar',
    ...init,
    mode,
  };
}
