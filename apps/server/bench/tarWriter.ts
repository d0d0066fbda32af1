// A minimal POSIX ustar writer: enough for layer tars and docker-save archives made by the bench.
const BLOCK = 512;
const encoder = new TextEncoder();

/** One tar entry header. */
export interface TarHeader {
  name: string;
  type: 'file' | 'directory' | 'symlink';
  size?: number;
  mode?: number;
  linkname?: string;
  /** Seconds since the epoch. */
  mtime?: number;
}

/** Writes tar entries to `sink` as 512-byte-aligned chunks; call end() once. */
export class TarWriter {
  constructor(private readonly sink: (chunk: Uint8Array) => void) {}

  /** A directory entry; `name` gets its trailing slash here. */
  directory(name: string, mtime: number, mode = 0o755): void {
    this.sink(encodeHeader({ name: name.endsWith('/') ? name : `${name}/`, type: 'directory', mode, mtime }));
  }

  /** A regular file with its whole content. */
  file(name: string, content: Uint8Array, mtime: number, mode = 0o644): void {
    this.fileHeader(name, content.length, mtime, mode);
    this.sink(content);
    this.pad(content.length);
  }

  /** The header of a regular file whose `size` bytes the caller sinks itself, then calls pad(size). */
  fileHeader(name: string, size: number, mtime: number, mode = 0o644): void {
    this.sink(encodeHeader({ name, type: 'file', size, mode, mtime }));
  }

  symlink(name: string, target: string, mtime: number): void {
    this.sink(encodeHeader({ name, type: 'symlink', linkname: target, mode: 0o777, mtime }));
  }

  /** Zero padding after `size` bytes of content, up to the next block. */
  pad(size: number): void {
    const rest = size % BLOCK;
    if (rest !== 0) this.sink(new Uint8Array(BLOCK - rest));
  }

  /** The end-of-archive marker: two zero blocks. */
  end(): void {
    this.sink(new Uint8Array(2 * BLOCK));
  }
}

/** Encodes one ustar header block. */
export function encodeHeader(h: TarHeader): Uint8Array {
  const block = new Uint8Array(BLOCK);
  const [prefix, name] = splitName(h.name);
  putString(block, 0, 100, name);
  putOctal(block, 100, 8, h.mode ?? 0o644);
  putOctal(block, 108, 8, 0);
  putOctal(block, 116, 8, 0);
  putOctal(block, 124, 12, h.type === 'file' ? (h.size ?? 0) : 0);
  putOctal(block, 136, 12, h.mtime ?? 0);
  block[156] = h.type === 'file' ? 0x30 : h.type === 'directory' ? 0x35 : 0x32;
  putString(block, 157, 100, h.linkname ?? '');
  putString(block, 257, 6, 'ustar\0');
  putString(block, 263, 2, '00');
  putString(block, 265, 32, 'root');
  putString(block, 297, 32, 'root');
  putString(block, 345, 155, prefix);
  // The checksum is computed with its own field read as eight spaces.
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of block) sum += b;
  putString(block, 148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
  return block;
}

function splitName(path: string): [string, string] {
  if (encoder.encode(path).length <= 100) return ['', path];
  // ustar keeps long paths as prefix + '/' + name, split at a slash.
  for (let i = path.lastIndexOf('/', path.length - 2); i > 0; i = path.lastIndexOf('/', i - 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (encoder.encode(prefix).length <= 155 && encoder.encode(name).length <= 100) return [prefix, name];
  }
  throw new Error(`tar path too long for ustar: ${path}`);
}

function putString(block: Uint8Array, offset: number, length: number, value: string): void {
  const bytes = encoder.encode(value);
  if (bytes.length > length) throw new Error(`tar field overflow: ${value}`);
  block.set(bytes, offset);
}

function putOctal(block: Uint8Array, offset: number, length: number, value: number): void {
  putString(block, offset, length, value.toString(8).padStart(length - 1, '0') + '\0');
}
