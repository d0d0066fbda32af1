import { parseDigest, sha256OfText, type Digest, type Hasher } from '../digest/index.js';

/** A layer's diffID: sha256 of its uncompressed tar bytes, padding included. */
export async function diffId(tar: ReadableStream<Uint8Array>, hasher: Hasher): Promise<Digest> {
  const h = hasher.create('sha256');
  const reader = tar.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    h.update(value);
  }
  return `sha256:${h.hex()}`;
}

/**
 * ChainIDs of a layer stack (OCI): the first is its diffID, each next one is
 * sha256 of the ASCII `"<previous chainID> <diffID>"`.
 */
export function chainIds(diffIds: readonly Digest[], hasher: Hasher): Digest[] {
  const out: Digest[] = [];
  for (const d of diffIds) {
    parseDigest(d);
    out.push(out.length === 0 ? d : sha256OfText(hasher, `${out[out.length - 1]} ${d}`));
  }
  return out;
}

/** The chainID of the whole stack (of its top layer); undefined for no layers. */
export const chainId = (diffIds: readonly Digest[], hasher: Hasher): Digest | undefined => chainIds(diffIds, hasher).at(-1);
