import type { TarEntry } from './tar-entry.js';
import { readTar } from './tar-reader.js';

/** One entry of a layer listing: the header fields, no body, no raw bytes. */
export type LayerIndexEntry = Omit<TarEntry, 'raw'>;

/** Every header of a layer tar, for file-level views without keeping bodies. */
export interface LayerIndex {
  entries: LayerIndexEntry[];
  /** Number of entries (PAX global headers included, as they are entries of the stream). */
  entryCount: number;
  /** Sum of the sizes of regular files (what `docker history` counts). */
  fileBytes: number;
  /** Bytes of the whole tar stream, trailer included. */
  archiveBytes: number;
}

/** List a layer's entries (pass an uncompressed tar; see decompressedStream). */
export async function indexLayer(tar: ReadableStream<Uint8Array>): Promise<LayerIndex> {
  const reader = readTar(tar);
  const entries: LayerIndexEntry[] = [];
  let fileBytes = 0;
  for await (const e of reader) {
    await e.body.cancel();
    const { raw: _raw, body: _body, ...fields } = e;
    entries.push(fields);
    if (e.type === 'file' || e.type === 'contiguous') fileBytes += e.size;
  }
  return { entries, entryCount: entries.length, fileBytes, archiveBytes: reader.offset };
}
