import type { Digest } from '../digest/index.js';
import { invalid } from '../errors/index.js';
import { anchoredDigest, anchoredTag, matchName } from './grammar.js';

/** An image reference: `domain/path[:tag][@digest]`, domain '' when the input named none. */
export interface Reference {
  readonly domain: string;
  readonly path: string;
  readonly tag?: string;
  readonly digest?: Digest;
}

/** Longest repository path the grammar accepts (RepositoryNameTotalLengthMax). */
export const REPOSITORY_NAME_MAX_LENGTH = 255;

// Docker's wording (distribution/reference, reference.go), shown as-is by CLI and daemon.
export const ERR_REFERENCE_INVALID_FORMAT = 'invalid reference format';
export const ERR_TAG_INVALID_FORMAT = 'invalid tag format';
export const ERR_DIGEST_INVALID_FORMAT = 'invalid digest format';
export const ERR_NAME_CONTAINS_UPPERCASE = 'repository name must be lowercase';
export const ERR_NAME_EMPTY = 'repository name must have at least one component';
export const ERR_NAME_TOO_LONG = `repository name must not be more than ${REPOSITORY_NAME_MAX_LENGTH} characters`;
export const ERR_NAME_NOT_CANONICAL = 'repository name must be canonical';

/** Build a frozen Reference, leaving out absent tag and digest. */
export function makeReference(domain: string, path: string, tag?: string, digest?: Digest): Reference {
  const r: { domain: string; path: string; tag?: string; digest?: Digest } = { domain, path };
  if (tag) r.tag = tag;
  if (digest) r.digest = digest;
  return Object.freeze(r);
}

/** True when `t` is a valid tag (`[\w][\w.-]{0,127}`). */
export const isValidTag = (t: string): boolean => anchoredTag.test(t);

/** The repository name: `docker.io/library/ubuntu`, or just the path when there is no domain. */
export const referenceName = (r: Reference): string => (r.domain === '' ? r.path : `${r.domain}/${r.path}`);

/** The whole reference: `name[:tag][@digest]`. */
export function referenceString(r: Reference): string {
  let s = referenceName(r);
  if (r.tag) s += `:${r.tag}`;
  if (r.digest) s += `@${r.digest}`;
  return s;
}

/** Parse a bare repository name, no tag or digest and no normalisation (WithName). */
export function parseName(name: string): Reference {
  const m = matchName(name);
  if (m === undefined) throw invalid(ERR_REFERENCE_INVALID_FORMAT);
  if (m.path.length > REPOSITORY_NAME_MAX_LENGTH) throw invalid(ERR_NAME_TOO_LONG);
  return makeReference(m.domain, m.path);
}

/** The same reference with `tag` set, keeping any digest (WithTag). */
export function withTag(r: Reference, tag: string): Reference {
  if (!isValidTag(tag)) throw invalid(ERR_TAG_INVALID_FORMAT);
  return makeReference(r.domain, r.path, tag, r.digest);
}

/** The same reference with `digest` set, keeping any tag (WithDigest; checks the reference grammar only). */
export function withDigest(r: Reference, digest: Digest): Reference {
  if (!anchoredDigest.test(digest)) throw invalid(ERR_DIGEST_INVALID_FORMAT);
  return makeReference(r.domain, r.path, r.tag, digest);
}

/** The repository alone, tag and digest dropped (TrimNamed). */
export const trimReference = (r: Reference): Reference => makeReference(r.domain, r.path);

/** True when the reference has neither tag nor digest (IsNameOnly). */
export const isNameOnly = (r: Reference): boolean => !r.tag && !r.digest;
