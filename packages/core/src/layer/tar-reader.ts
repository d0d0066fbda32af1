// Strata's own tar codec, because a layer that changes bytes changes its diffID. Measured on
// the fixtures: modern-tar 0.8.6 drops device numbers; tar-stream 3.2.2 masks the mode to 0o7777
// on encode and decodes PAX values as UTF-8 strings, turning binary xattr bytes >= 0x80
// (SCHILY.xattr.security.capability and friends) into U+FFFD. So every header field is kept
// here, and decoded entries carry their raw blocks for byte-exact re-encoding.
import { invalid, StrataError } from '../errors/index.js';
import { ByteQueue, unexpectedEof } from './byte-queue.js';
import { MAX_SPECIAL_FILE_SIZE, paxInteger, parsePaxRecords, paxText, paxTime } from './pax-records.js';
import { entryTypeOf, headerOnlyTypes, type TarEntry, type TarReadEntry } from './tar-entry.js';
import { BLOCK, decodeText, formatOf, isZero, paddingOf, readNumber, readString, verifyChecksum } from './tar-header.js';

/** Record padding after the end-of-archive blocks is kept for re-encoding up to this size. */
const MAX_TRAILER = 1 << 20;
const BODY_CHUNK = 1 << 20;

interface BodyState {
  entry: TarEntry;
  remaining: number;
  finished: boolean;
  cancelled?: boolean;
  controller?: ReadableStreamDefaultController<Uint8Array>;
  stream?: ReadableStream<Uint8Array>;
  /** The body read in flight, so next() never reads the archive at the same time. */
  pulling?: Promise<void>;
  /** Set when iteration stopped while this body was still open: release the source once it is done. */
  release?: () => void;
}

const concat = (parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.byteLength;
  }
  return out;
};

/**
 * Streaming tar decoder: an async iterator of entries whose bodies are streams over the
 * archive itself. Read (or cancel) an entry's body before asking for the next entry;
 * whatever is left unread is skipped without buffering.
 */
export class TarReader implements AsyncIterableIterator<TarReadEntry> {
  private readonly bytes: ByteQueue;
  private current: BodyState | undefined;
  private done = false;
  private failure: unknown;
  /** The bytes after the last entry (end-of-archive blocks and record padding); set when iteration ends. */
  trailer: Uint8Array | undefined;

  constructor(source: ReadableStream<Uint8Array>) {
    this.bytes = new ByteQueue(source);
  }

  /** Bytes of the archive consumed so far. */
  get offset(): number {
    return this.bytes.offset;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<TarReadEntry>> {
    if (this.failure !== undefined) throw this.failure;
    if (this.done) return { done: true, value: undefined };
    try {
      await this.finishCurrent();
      const entry = await this.readEntry();
      if (!entry) {
        this.done = true;
        return { done: true, value: undefined };
      }
      return { done: false, value: entry };
    } catch (e) {
      this.failure = e;
      await this.bytes.cancel(e).catch(() => undefined);
      throw e;
    }
  }

  async return(): Promise<IteratorResult<TarReadEntry>> {
    if (!this.done) {
      this.done = true;
      const state = this.current;
      const release = () => void this.bytes.cancel().catch(() => undefined);
      // `for await (...) { return collect(e.body) }` stops iterating while the body is being read: let it finish.
      if (state && !state.finished && state.stream?.locked) state.release = release;
      else {
        try {
          state?.controller?.error(new StrataError('invalid', 'tar reader closed before this body was read'));
        } catch {
          // already closed
        }
        release();
      }
    }
    return { done: true, value: undefined };
  }

  private async finishCurrent(): Promise<void> {
    const state = this.current;
    if (!state) return;
    await state.pulling;
    if (state.finished) return;
    await this.bytes.skip(state.remaining);
    state.remaining = 0;
    await this.finishBody(state);
    // A cancelled body needs no error; one still open tells a late reader what happened.
    if (!state.cancelled) {
      try {
        state.controller?.error(new StrataError('invalid', `tar entry ${JSON.stringify(state.entry.path)}: body skipped, the reader moved on`));
      } catch {
        // already closed
      }
    }
  }

  private async finishBody(state: BodyState): Promise<void> {
    if (state.finished) return;
    const pad = await this.bytes.readExact(paddingOf(bodyLength(state.entry)));
    if (state.entry.raw) state.entry.raw.padding = pad;
    state.finished = true;
  }

  private bodyStream(state: BodyState): ReadableStream<Uint8Array> {
    const stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          state.controller = controller;
        },
        pull: (controller) => {
          if (this.current !== state || state.finished) {
            if (state.finished && state.remaining === 0) controller.close();
            return;
          }
          state.pulling = this.pullBody(state, controller).finally(() => {
            state.pulling = undefined;
          });
          return state.pulling;
        },
        cancel: () => {
          state.cancelled = true;
          state.release?.();
        },
      },
      { highWaterMark: 0 },
    );
    state.stream = stream;
    return stream;
  }

  /** One body chunk: to the consumer; at the end, the padding is read and the body closed. */
  private async pullBody(state: BodyState, controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    try {
      if (state.remaining > 0) {
        const chunk = await this.bytes.readSome(Math.min(state.remaining, BODY_CHUNK));
        if (!chunk) throw unexpectedEof(this.bytes.offset);
        state.remaining -= chunk.byteLength;
        controller.enqueue(chunk);
      }
      if (state.remaining === 0) {
        await this.finishBody(state);
        controller.close();
        state.release?.();
      }
    } catch (e) {
      this.failure ??= e;
      throw e;
    }
  }

  private async readEntry(): Promise<TarReadEntry | undefined> {
    const blocks: Uint8Array[] = [];
    let pax: Record<string, Uint8Array> = {};
    let longName: string | undefined;
    let longLink: string | undefined;
    for (;;) {
      const start = this.bytes.offset;
      const block = await this.bytes.read(BLOCK);
      if (block.length === 0 && blocks.length === 0) {
        this.trailer = new Uint8Array(0);
        return undefined;
      }
      if (block.length < BLOCK) throw unexpectedEof(this.bytes.offset);
      if (isZero(block)) {
        if (blocks.length > 0) throw unexpectedEof(start);
        const second = await this.bytes.read(BLOCK);
        if (second.length > 0 && second.length < BLOCK) throw unexpectedEof(this.bytes.offset);
        if (second.length === BLOCK && !isZero(second)) {
          throw invalid(`archive/tar: invalid tar header: a lone zero block before more data (byte ${start})`);
        }
        this.trailer = concat([block, second, await this.bytes.rest(MAX_TRAILER)]);
        return undefined;
      }
      verifyChecksum(block, start);
      blocks.push(block);
      const typeflag = String.fromCharCode(block[156]);
      const size = readNumber(block, 'size', start);
      if (size < 0) throw invalid(`archive/tar: invalid tar header: negative size (header at byte ${start})`);

      if (typeflag === 'x' || typeflag === 'g' || typeflag === 'L' || typeflag === 'K') {
        if (size > MAX_SPECIAL_FILE_SIZE) {
          throw invalid(`archive/tar: header field too long: extended header of ${size} bytes at byte ${start} (limit ${MAX_SPECIAL_FILE_SIZE})`);
        }
        const data = await this.bytes.readExact(size);
        blocks.push(data, await this.bytes.readExact(paddingOf(size)));
        if (typeflag === 'L' || typeflag === 'K') {
          const nul = data.indexOf(0);
          const text = decodeText(nul < 0 ? data : data.subarray(0, nul));
          if (typeflag === 'L') longName = text;
          else longLink = text;
          continue;
        }
        const records = parsePaxRecords(data, start);
        if (typeflag === 'x') {
          pax = { ...pax, ...records };
          continue;
        }
        // A global header is an entry of its own (as Go returns it); its records are not merged.
        const entry = decodeHeaderEntry(block, start, concat(blocks), records, undefined, undefined);
        entry.size = size;
        return this.withBody(entry, 0);
      }
      if (typeflag === 'S') throw invalid(`archive/tar: GNU sparse entries are not supported (header at byte ${start})`);
      const entry = decodeHeaderEntry(block, start, concat(blocks), pax, longName, longLink);
      return this.withBody(entry, bodyLength(entry));
    }
  }

  private withBody(entry: TarEntry, length: number): TarReadEntry {
    const state: BodyState = { entry, remaining: length, finished: false };
    this.current = state;
    return Object.assign(entry, { body: this.bodyStream(state) });
  }
}

/** One header block (plus the PAX records and GNU long names that preceded it) as a TarEntry. */
export function decodeHeaderEntry(
  block: Uint8Array,
  start: number,
  rawHeader: Uint8Array,
  pax: Record<string, Uint8Array>,
  longName: string | undefined,
  longLink: string | undefined,
): TarEntry {
  const format = formatOf(block);
  let path = readString(block, 'name');
  if (format === 'ustar') {
    const prefix = readString(block, 'prefix');
    if (prefix) path = `${prefix}/${path}`;
  }
  let linkname = readString(block, 'linkname');
  if (longName !== undefined) path = longName;
  if (longLink !== undefined) linkname = longLink;
  const typeflag = String.fromCharCode(block[156]);
  const rawMode = readNumber(block, 'mode', start);
  const entry: TarEntry = {
    path,
    type: entryTypeOf(typeflag),
    typeflag,
    mode: rawMode & 0o7777,
    rawMode,
    uid: readNumber(block, 'uid', start),
    gid: readNumber(block, 'gid', start),
    uname: format === 'v7' ? '' : readString(block, 'uname'),
    gname: format === 'v7' ? '' : readString(block, 'gname'),
    size: readNumber(block, 'size', start),
    mtime: readNumber(block, 'mtime', start),
    linkname,
    devmajor: format === 'v7' ? 0 : readNumber(block, 'devmajor', start),
    devminor: format === 'v7' ? 0 : readNumber(block, 'devminor', start),
    pax,
    format,
    raw: { header: rawHeader, padding: new Uint8Array(0) },
  };
  if (entry.type === 'pax-global') return entry;
  if (pax.path) entry.path = paxText(pax.path);
  if (pax.linkpath) entry.linkname = paxText(pax.linkpath);
  if (pax.uname) entry.uname = paxText(pax.uname);
  if (pax.gname) entry.gname = paxText(pax.gname);
  if (pax.size) entry.size = paxInteger('size', pax.size, start);
  if (pax.uid) entry.uid = paxInteger('uid', pax.uid, start);
  if (pax.gid) entry.gid = paxInteger('gid', pax.gid, start);
  if (pax.mtime) entry.mtime = paxTime('mtime', pax.mtime, start);
  if (entry.size < 0) throw invalid(`archive/tar: invalid tar header: negative size (header at byte ${start})`);
  // Old tars mark directories only by the trailing slash of an AREGTYPE ('\0') entry.
  if (typeflag === '\0' && entry.path.endsWith('/')) entry.type = 'directory';
  return entry;
}

/** Body bytes that follow an entry's header in the archive. */
export const bodyLength = (entry: Pick<TarEntry, 'type' | 'size'>): number =>
  headerOnlyTypes.has(entry.type) || entry.type === 'pax-global' ? 0 : entry.size;

/** Decode a tar stream (see TarReader). */
export const readTar = (source: ReadableStream<Uint8Array>): TarReader => new TarReader(source);
