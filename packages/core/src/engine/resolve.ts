import { type Digest, digestHex, isHex64 } from '../digest/index.js';
import { notFound } from '../errors/index.js';
import { type Reference, familiarString, parseAnyReference, parseDockerRef, referenceString } from '../reference/index.js';
import type { ImageRecordIndex } from './image-records.js';
import type { ImageRecord } from './records.js';
import { conflict } from '../errors/index.js';

const SHORT_ID = /^(?:sha256:)?[a-f0-9]{1,64}$/;

/** What a user-typed image name resolved to. */
export interface ResolvedImage {
  image: ImageRecord;
  /** The reference the name was parsed as, when it was one that named a tag or digest in the store. */
  ref?: Reference;
  /** True when the name was an ID or ID prefix rather than a reference. */
  byId: boolean;
}

/**
 * Resolve a name as Docker does: a full or `sha256:` ID, a reference in the tag table (short
 * names normalised, `:latest` implied), then a unique ID prefix. Throws `No such image: X`.
 */
export async function resolveImage(store: ImageRecordIndex, name: string, notFoundMessage?: (n: string) => string): Promise<ResolvedImage> {
  const any = parseAnyReference(name);
  if (any.kind === 'id') {
    const img = await store.image(any.id);
    if (img) return { image: img, byId: true };
    throw notFound(notFoundMessage ? notFoundMessage(name) : `No such image: ${any.id}`);
  }
  let ref: Reference | undefined;
  let refError: unknown;
  try {
    ref = parseDockerRef(name);
  } catch (e) {
    refError = e;
  }
  if (ref) {
    const id = (await store.tags()).refs[referenceString(ref)];
    if (id) {
      const img = await store.image(id);
      if (img) return { image: img, ref, byId: false };
    }
  }
  if (SHORT_ID.test(name)) {
    const prefix = name.startsWith('sha256:') ? name.slice(7) : name;
    const matches = (await store.images()).filter((i) => digestHex(i.id).startsWith(prefix));
    if (matches.length === 1) return { image: matches[0], byId: true };
    if (matches.length > 1) throw conflict(`ambiguous image ID prefix ${name}`);
  }
  if (refError) throw refError;
  const shown = ref ? familiarString(ref) : name;
  throw notFound(notFoundMessage ? notFoundMessage(name) : `No such image: ${shown}`);
}

/** Full IDs as `sha256:<hex>` from a bare 64-hex. */
export const asImageId = (s: string): Digest => (isHex64(s) ? `sha256:${s}` : s);
