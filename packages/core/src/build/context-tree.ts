import { invalid } from '../errors/index.js';
import { TarHeaderScanner, type TarEntry, cleanEntryPath } from '../layer/index.js';
import type { Hasher } from '../digest/index.js';
import { FsTree } from './fs-tree.js';
import type { ContextMemo } from './context-memo.js';
import { precomputePathHash } from './source-hash.js';

// The build context tar read into a tree while it arrives: each chunk is scanned as it comes,
// so parsing overlaps the client's sending (the CLI reads and tars the files at the same time)
// instead of starting after the last byte. A file's bytes are a view into the chunk that holds
// them, or a copy when they straddle chunks.

/**
 * Reads a tar stream into a tree (hostile names refused by FsTree.apply), bodies kept. With a
 * hasher, each file's COPY tarsum is made as it arrives, while the client is still sending.
 */
export async function contextTree(stream: ReadableStream<Uint8Array>, hasher?: Hasher, memo?: ContextMemo): Promise<FsTree> {
  const tree = new FsTree();
  let chunks: Array<{ start: number; bytes: Uint8Array }> = [];
  let first = 0;
  let received = 0;
  let pending: { entry: TarEntry; start: number } | undefined;

  const bodyAt = (start: number, size: number): Uint8Array => {
    const end = start + size;
    if (end > received) throw invalid('unexpected EOF in the body of a context file');
    // Chunks wholly before this body are no longer needed.
    while (first < chunks.length - 1 && chunks[first].start + chunks[first].bytes.byteLength <= start) first++;
    if (first > 1024) {
      chunks = chunks.slice(first);
      first = 0;
    }
    const head = chunks[first];
    if (start >= head.start && end <= head.start + head.bytes.byteLength) return head.bytes.subarray(start - head.start, end - head.start);
    const out = new Uint8Array(size);
    let at = 0;
    for (let k = first; k < chunks.length; k++) {
      const c = chunks[k];
      const from = Math.max(start, c.start);
      const to = Math.min(end, c.start + c.bytes.byteLength);
      if (to <= from) continue;
      out.set(c.bytes.subarray(from - c.start, to - c.start), at);
      at += to - from;
      if (at === size) break;
    }
    return out;
  };
  const settle = (): void => {
    if (!pending) return;
    const { entry, start } = pending;
    pending = undefined;
    const body = entry.size > 0 ? bodyAt(start, entry.size) : new Uint8Array(0);
    if (body.byteLength !== entry.size) throw invalid(`unexpected EOF in the body of ${JSON.stringify(entry.path)}`);
    tree.apply(entry, body);
    if (hasher) {
      const path = cleanEntryPath(entry.path);
      const node = tree.get(path);
      if (node?.type === 'file') precomputePathHash(hasher, path, node);
    }
  };
  const scanner: TarHeaderScanner = new TarHeaderScanner((entry) => {
    // The next header means the previous file's bytes have all arrived.
    settle();
    if (entry.type === 'file' || entry.type === 'contiguous') pending = { entry, start: scanner.offset };
    else tree.apply(entry, undefined);
  });
  const all: Uint8Array[] = [];
  const parse = (value: Uint8Array): void => {
    chunks.push({ start: received, bytes: value });
    received += value.byteLength;
    scanner.push(value);
  };
  // While the bytes match a context read before, they are only held, not parsed.
  let match = memo?.follow();
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (value.byteLength === 0) continue;
    all.push(value);
    if (match) {
      if (match.push(value)) continue;
      match = undefined;
      for (const held of all) parse(held);
      continue;
    }
    parse(value);
  }
  const known = match?.tree();
  if (known) return known;
  if (match) for (const held of all) parse(held);
  scanner.end();
  settle();
  memo?.remember(all, received, tree);
  return tree;
}
