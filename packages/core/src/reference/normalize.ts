import { parseDigest, type Digest } from '../digest/index.js';
import { invalid } from '../errors/index.js';
import { anchoredIdentifier } from './grammar.js';
import { parseReference } from './parse.js';
import { ERR_NAME_NOT_CANONICAL, makeReference, referenceString, type Reference } from './reference.js';

/** Docker Hub's domain in normalised names. */
export const DEFAULT_DOMAIN = 'docker.io';
/** Docker Hub's v1-era name ("the Docker Index"), still accepted and rewritten to docker.io. */
export const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
/** Namespace of Docker Hub's official images. */
export const OFFICIAL_REPO_PREFIX = 'library/';
/** Tag assumed when a reference has neither tag nor digest. */
export const DEFAULT_TAG = 'latest';

/** Split a familiar name into Docker's domain and remote name (`ubuntu` -> docker.io, library/ubuntu); no validation. */
export function splitDockerDomain(name: string): { domain: string; remoteName: string } {
  const slash = name.indexOf('/');
  // A single element is always a Hub name, even 'localhost' or 'example.com' (upstream FIXME).
  if (slash < 0) return { domain: DEFAULT_DOMAIN, remoteName: OFFICIAL_REPO_PREFIX + name };
  const first = name.slice(0, slash);
  const rest = name.slice(slash + 1);
  let domain: string;
  let remoteName: string;
  if (first === LEGACY_DEFAULT_DOMAIN) {
    domain = DEFAULT_DOMAIN;
    remoteName = rest;
  } else if (first === 'localhost' || /[.:]/.test(first) || first.toLowerCase() !== first) {
    // localhost is reserved; '.' or ':' means a host or host:port; uppercase cannot be a namespace.
    domain = first;
    remoteName = rest;
  } else {
    domain = DEFAULT_DOMAIN;
    remoteName = name;
  }
  if (domain === DEFAULT_DOMAIN && !remoteName.includes('/')) remoteName = OFFICIAL_REPO_PREFIX + remoteName;
  return { domain, remoteName };
}

/** Parse a familiar name into a fully qualified one (`ubuntu` -> `docker.io/library/ubuntu`), tag not added (ParseNormalizedNamed). */
export function parseNormalizedNamed(s: string): Reference {
  if (anchoredIdentifier.test(s)) {
    throw invalid(`invalid repository name (${s}), cannot specify 64-byte hexadecimal strings`);
  }
  const { domain, remoteName } = splitDockerDomain(s);
  const colon = remoteName.indexOf(':');
  const remote = colon >= 0 ? remoteName.slice(0, colon) : remoteName;
  if (remote.toLowerCase() !== remote) {
    throw invalid(`invalid reference format: repository name (${remote}) must be lowercase`);
  }
  return parseReference(`${domain}/${remoteName}`);
}

/** Parse a reference the way `docker pull` does: normalised, `:latest` when untagged, the tag dropped when a digest is given (ParseDockerRef). */
export function parseDockerRef(s: string): Reference {
  const r = parseNormalizedNamed(s);
  if (r.digest) return makeReference(r.domain, r.path, undefined, r.digest);
  return tagNameOnly(r);
}

/** Add the `latest` tag to a reference that has neither tag nor digest (TagNameOnly). */
export const tagNameOnly = (r: Reference): Reference =>
  r.tag || r.digest ? r : makeReference(r.domain, r.path, DEFAULT_TAG);

/** Parse a reference that must already be in its normalised, canonical spelling (ParseNamed). */
export function parseNamed(s: string): Reference {
  const r = parseNormalizedNamed(s);
  if (referenceString(r) !== s) throw invalid(ERR_NAME_NOT_CANONICAL);
  return r;
}

/** What a user typed where Docker takes an image: a full image ID, a digest, or a (familiar) reference. */
export type AnyReference = { kind: 'id'; id: Digest } | { kind: 'reference'; ref: Reference };

// Short hex prefixes (`dbcc1`) come back as references: only the image store can tell
// whether one names an image, so resolving them is the caller's job.
/** Parse a full image ID (64 hex or `sha256:<hex>`) or a familiar reference (ParseAnyReference). */
export function parseAnyReference(s: string): AnyReference {
  if (anchoredIdentifier.test(s)) return { kind: 'id', id: `sha256:${s}` };
  const id = digestOrUndefined(s);
  if (id !== undefined) return { kind: 'id', id };
  return { kind: 'reference', ref: parseNormalizedNamed(s) };
}

function digestOrUndefined(s: string): Digest | undefined {
  try {
    return parseDigest(s);
  } catch {
    return undefined;
  }
}
