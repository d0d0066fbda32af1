import type { Digest } from '../digest/index.js';
import { familiarString, parseReference } from '../reference/index.js';

/** The familiar names of an image, tags and digest references apart. */
export type Names = { tags: string[]; digests: string[] };
const namesByTable = new WeakMap<Record<string, Digest>, Map<Digest, Names>>();

/** Familiar names (`busybox:local`, `repo@sha256:..`) of the refs pointing at an image, split into tags and digests. */
export function namesOf(refs: Record<string, Digest>, id: Digest): Names {
  let byId = namesByTable.get(refs);
  if (!byId) {
    // One pass over the table per listing, not one per image.
    byId = new Map();
    for (const [ref, target] of Object.entries(refs)) {
      let names = byId.get(target);
      if (!names) byId.set(target, (names = { tags: [], digests: [] }));
      (ref.includes('@') ? names.digests : names.tags).push(familiarString(parseReference(ref)));
    }
    for (const n of byId.values()) {
      n.tags.sort();
      n.digests.sort();
    }
    namesByTable.set(refs, byId);
  }
  const names = byId.get(id);
  return names ? { tags: [...names.tags], digests: [...names.digests] } : { tags: [], digests: [] };
}
