import { invalid } from '../errors/index.js';
import { freshHeaderBlocks } from './fresh-header.js';
import type { TarEntry } from './tar-entry.js';
import { BLOCK, paddingOf } from './tar-header.js';
import { bodyLength } from './tar-reader.js';

// A tar whose entries and bodies are all in memory (a build step's COPY), written in one buffer:
// for thousands of small files a stream of header, body and padding chunks costs far more in
// promises and copies than the bytes themselves.

/** An entry to write with its whole body in memory (file-like entries only). */
export type TarBytesEntry = TarEntry & { body?: Uint8Array };

/** The entries as one tar (fresh headers as Go's archive/tar writes them, two zero blocks at the end). */
export function tarBytes(entries: readonly TarBytesEntry[]): Uint8Array {
  const headers: Uint8Array[][] = [];
  let total = 2 * BLOCK;
  for (const entry of entries) {
    const blocks = freshHeaderBlocks(entry);
    headers.push(blocks);
    const size = bodyLength(entry);
    const body = entry.body?.byteLength ?? 0;
    if (body !== size) throw invalid(`archive/tar: ${body > size ? 'write too long' : `missed writing ${size - body} bytes`} (${JSON.stringify(entry.path)} declares ${size} bytes)`);
    for (const b of blocks) total += b.byteLength;
    total += size + paddingOf(size);
  }
  const out = new Uint8Array(total);
  let at = 0;
  entries.forEach((entry, i) => {
    for (const b of headers[i]) {
      out.set(b, at);
      at += b.byteLength;
    }
    const size = bodyLength(entry);
    if (size > 0) out.set(entry.body!, at);
    at += size + paddingOf(size);
  });
  return out;
}
