import { DEFAULT_DOMAIN, OFFICIAL_REPO_PREFIX } from './normalize.js';
import { makeReference, referenceName, referenceString, type Reference } from './reference.js';

/** The reference as Docker shows it: docker.io and an official image's `library/` left out. */
export function familiarize(r: Reference): Reference {
  if (r.domain !== DEFAULT_DOMAIN) return r;
  let path = r.path;
  // Only a direct child of library/ is an official image; library/foo/bar keeps its prefix.
  if (path.startsWith(OFFICIAL_REPO_PREFIX) && !path.slice(OFFICIAL_REPO_PREFIX.length).includes('/')) {
    path = path.slice(OFFICIAL_REPO_PREFIX.length);
  }
  return makeReference('', path, r.tag, r.digest);
}

/** The repository name as Docker shows it: `docker.io/library/ubuntu` -> `ubuntu`, `docker.io/foo/bar` -> `foo/bar`. */
export const familiarName = (r: Reference): string => referenceName(familiarize(r));

/** The whole reference as Docker shows it: `docker.io/library/ubuntu:14.04` -> `ubuntu:14.04`. */
export const familiarString = (r: Reference): string => referenceString(familiarize(r));
