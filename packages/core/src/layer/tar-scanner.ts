import { invalid } from '../errors/index.js';
import { unexpectedEof } from './byte-queue.js';
import { MAX_SPECIAL_FILE_SIZE, parsePaxRecords } from './pax-records.js';
import type { TarEntry } from './tar-entry.js';
import { BLOCK, decodeText, isZero, paddingOf, readNumber, verifyChecksum } from './tar-header.js';
import { bodyLength, decodeHeaderEntry } from './tar-reader.js';

/** Trailing bytes after the end-of-archive blocks accepted as record padding. */
const MAX_TRAILER = 1 << 20;

type State = 'header' | 'special' | 'skip' | 'second-zero' | 'trailer';

/**
 * Synchronous push decoder of tar headers: feed it chunks as they stream by and it reports every
 * entry's header (bodies are skipped by arithmetic, never copied). It is the cheap way to index or
 * vet a layer while its bytes go somewhere else, e.g. into the content store. Same header rules
 * and errors as TarReader.
 */
export class TarHeaderScanner {
  private state: State = 'header';
  private readonly block = new Uint8Array(BLOCK);
  private blockFill = 0;
  private special: { typeflag: string; data: Uint8Array; fill: number; size: number; start: number } | undefined;
  private pending: Uint8Array[] = [];
  private pax: Record<string, Uint8Array> = {};
  private longName: string | undefined;
  private longLink: string | undefined;
  private skipLeft = 0;
  private trailerBytes = 0;
  private headerStart = 0;
  /** Bytes seen so far. */
  offset = 0;

  constructor(private readonly onEntry: (entry: TarEntry) => void) {}

  /** Feed the next chunk of the archive. Throws StrataError('invalid') on a malformed header. */
  push(chunk: Uint8Array): void {
    let i = 0;
    const n = chunk.byteLength;
    while (i < n) {
      switch (this.state) {
        case 'skip': {
          const take = Math.min(this.skipLeft, n - i);
          this.skipLeft -= take;
          i += take;
          this.offset += take;
          if (this.skipLeft === 0) this.state = 'header';
          break;
        }
        case 'special': {
          const sp = this.special!;
          const take = Math.min(sp.size - sp.fill, n - i);
          sp.data.set(chunk.subarray(i, i + take), sp.fill);
          sp.fill += take;
          i += take;
          this.offset += take;
          if (sp.fill === sp.size) this.finishSpecial(sp);
          break;
        }
        case 'trailer': {
          this.trailerBytes += n - i;
          this.offset += n - i;
          if (this.trailerBytes > MAX_TRAILER) throw invalid(`archive/tar: ${this.trailerBytes} bytes after the end of the archive`);
          i = n;
          break;
        }
        default: {
          if (this.blockFill === 0) this.headerStart = this.offset;
          const take = Math.min(BLOCK - this.blockFill, n - i);
          this.block.set(chunk.subarray(i, i + take), this.blockFill);
          this.blockFill += take;
          i += take;
          this.offset += take;
          if (this.blockFill === BLOCK) {
            this.blockFill = 0;
            this.onBlock(this.block.slice());
          }
        }
      }
    }
  }

  /** The archive ended: throws unexpected EOF when it stopped inside a header, body or padding. */
  end(): void {
    if (this.state === 'trailer') return;
    if (this.state === 'header' && this.blockFill === 0 && this.pending.length === 0) return;
    throw unexpectedEof(this.offset);
  }

  private onBlock(block: Uint8Array): void {
    const start = this.headerStart;
    if (this.state === 'second-zero') {
      if (!isZero(block)) throw invalid(`archive/tar: invalid tar header: a lone zero block before more data (byte ${start - BLOCK})`);
      this.state = 'trailer';
      return;
    }
    if (isZero(block)) {
      if (this.pending.length > 0) throw unexpectedEof(start);
      this.state = 'second-zero';
      return;
    }
    verifyChecksum(block, start);
    const typeflag = String.fromCharCode(block[156]);
    const size = readNumber(block, 'size', start);
    if (size < 0) throw invalid(`archive/tar: invalid tar header: negative size (header at byte ${start})`);
    this.pending.push(block);
    if (typeflag === 'x' || typeflag === 'g' || typeflag === 'L' || typeflag === 'K') {
      if (size > MAX_SPECIAL_FILE_SIZE) {
        throw invalid(`archive/tar: header field too long: extended header of ${size} bytes at byte ${start} (limit ${MAX_SPECIAL_FILE_SIZE})`);
      }
      const padded = size + paddingOf(size);
      this.special = { typeflag, data: new Uint8Array(padded), fill: 0, size: padded, start };
      if (padded === 0) this.finishSpecial(this.special);
      else this.state = 'special';
      return;
    }
    if (typeflag === 'S') throw invalid(`archive/tar: GNU sparse entries are not supported (header at byte ${start})`);
    const entry = decodeHeaderEntry(block, start, block, this.pax, this.longName, this.longLink);
    entry.raw = undefined;
    this.pending = [];
    this.pax = {};
    this.longName = this.longLink = undefined;
    this.onEntry(entry);
    const body = bodyLength(entry);
    this.skipLeft = body + paddingOf(body);
    this.state = this.skipLeft > 0 ? 'skip' : 'header';
  }

  private finishSpecial(sp: { typeflag: string; data: Uint8Array; start: number }): void {
    const block = this.pending[this.pending.length - 1];
    const size = readNumber(block, 'size', sp.start);
    const data = sp.data.subarray(0, size);
    this.special = undefined;
    this.state = 'header';
    if (sp.typeflag === 'L' || sp.typeflag === 'K') {
      const nul = data.indexOf(0);
      const text = decodeText(nul < 0 ? data : data.subarray(0, nul));
      if (sp.typeflag === 'L') this.longName = text;
      else this.longLink = text;
      return;
    }
    const records = parsePaxRecords(data, sp.start);
    if (sp.typeflag === 'x') {
      this.pax = { ...this.pax, ...records };
      return;
    }
    const entry = decodeHeaderEntry(block, sp.start, block, records, undefined, undefined);
    entry.size = size;
    entry.raw = undefined;
    this.pending = [];
    this.onEntry(entry);
  }
}
